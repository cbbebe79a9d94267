import type { Enrollment } from "../auth";

/**
 * qrcode is 57 modules that only the pages linking an app use: loaded the first time one is
 * drawn, not at start, which keeps them out of the heap of a server that is only signing in.
 */
let library: Promise<typeof import("qrcode")> | undefined;
const qrCodes = () => {
  library ??= import("qrcode");
  return library;
};

/** The otpauth URI as an SVG QR code in a data: URL, so no request can leak the key. */
export async function qrCodeDataUrl(uri: string): Promise<string> {
  const QRCode = await qrCodes();
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
