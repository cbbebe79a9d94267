import QRCode from "qrcode";
import type { Enrollment } from "../auth";

/** The otpauth URI as an SVG QR code in a data: URL, so no request can leak the key. */
export async function qrCodeDataUrl(uri: string): Promise<string> {
  const svg = await QRCode.toString(uri, { type: "svg", errorCorrectionLevel: "M", margin: 2 });
  return `data:image/svg+xml;base64,${Buffer.from(svg).toString("base64")}`;
}

/** What a page needs to show a key for scanning or typing. */
export async function keyToScan(enrollment: Enrollment, appName: string, username: string) {
  return {
    appName,
    username,
    qrCodeDataUrl: await qrCodeDataUrl(enrollment.uri),
    secret: enrollment.key,
    groupedKey: enrollment.groupedKey,
  };
}
