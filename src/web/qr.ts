/// <reference path="./qrcode-browser.d.ts" />
import type { Enrollment } from "../auth";

/**
 * qrcode is loaded the first time a page linking an app draws one, not at start. Its browser
 * build: the same SVG, without the PNG renderer, whose pngjs loads Node's streams and zlib.
 */
let library: Promise<typeof import("qrcode/lib/browser.js")> | undefined;
const qrCodes = () => {
  library ??= import("qrcode/lib/browser.js");
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
