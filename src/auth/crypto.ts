import { createHash, hkdfSync, timingSafeEqual } from "node:crypto";

/** A random token from the CSPRNG, base64url; 32 bytes = 256 bits by default. */
export function randomToken(bytes = 32): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString("base64url");
}

export function sha256Hex(value: string): string {
  return createHash("sha256").update(value).digest("hex");
}

/** One key per purpose from APP_SECRET, so no key is reused across jobs. */
export function deriveKey(appSecret: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync("sha256", appSecret, "", `bun-2fa:${purpose}`, 32));
}

/**
 * HMAC-SHA-256 under one key: the key is set up once and its state copied for each value,
 * rather than made again each time (a CSRF token and a cookie signature on every request).
 */
export function keyedHmac(key: Buffer | string): (value: string, encoding?: "base64url" | "base64") => string {
  const keyed = new Bun.CryptoHasher("sha256", key);
  return (value, encoding = "base64url") => keyed.copy().update(value).digest(encoding);
}

export function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
