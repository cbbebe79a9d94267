import { createHash, hkdfSync, timingSafeEqual } from "node:crypto";

/**
 * Bytes from the CSPRNG, drawn 4 KB at a time and each handed out once, as Node does for
 * randomUUID: one call to the generator for 128 tokens, where a first visit to the sign-in
 * page made one for its CSRF nonce.
 */
const randomPool = Buffer.alloc(4096);
let randomPoolUsed = randomPool.length;

/** A random token from the CSPRNG, base64url; 32 bytes = 256 bits by default, at most 4096. */
export function randomToken(bytes = 32): string {
  if (bytes > randomPool.length) throw new RangeError(`a token of ${bytes} bytes is more than the pool holds`);
  if (randomPoolUsed + bytes > randomPool.length) {
    crypto.getRandomValues(randomPool);
    randomPoolUsed = 0;
  }
  const token = randomPool.toString("base64url", randomPoolUsed, randomPoolUsed + bytes);
  randomPoolUsed += bytes;
  return token;
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
