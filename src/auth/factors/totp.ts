import { createHmac } from "node:crypto";
import { Secret, TOTP } from "otpauth/bare";

// RFC 6238 defaults, the only settings every authenticator app supports.
const PERIOD_SECONDS = 30;
const DIGITS = 6;
const ACCEPTED_STEPS_EITHER_SIDE = 1;

/** A new 160-bit key from the CSPRNG, base32 as authenticator apps expect. */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

/** otpauth's custom HMAC, from its README: native code where its bundled build hashes in JavaScript. */
const nativeHmac = (algorithm: string, key: Uint8Array, message: Uint8Array): Uint8Array =>
  createHmac(algorithm, key).update(message).digest();

function totp(secret: string, issuer = "", account = ""): TOTP {
  return new TOTP({
    issuer,
    label: account,
    algorithm: "SHA1",
    digits: DIGITS,
    period: PERIOD_SECONDS,
    secret: Secret.fromBase32(secret),
    hmac: nativeHmac,
  });
}

/** The `otpauth://totp/...` URI the QR code carries. */
export function otpauthUri(secret: string, issuer: string, account: string): string {
  return totp(secret, issuer, account).toString();
}

export function codeAt(secret: string, timeMs: number): string {
  return totp(secret).generate({ timestamp: timeMs });
}

/** The time step of the code if it is valid within one step of `timeMs`, otherwise null. */
export function matchingTimeStep(secret: string, code: string, timeMs: number): number | null {
  const delta = totp(secret).validate({ token: code, timestamp: timeMs, window: ACCEPTED_STEPS_EITHER_SIDE });
  return delta === null ? null : Math.floor(timeMs / 1000 / PERIOD_SECONDS) + delta;
}

/** "JBSWY3DPEHPK3PXP" → "JBSW Y3DP EHPK 3PXP", easier to read aloud and type. */
export function groupKey(secret: string): string {
  return secret.replace(/(.{4})(?=.)/g, "$1 ");
}

/** What a person typed or pasted ("123 456", "123-456") as six digits, or null. */
export function normalizeCode(input: string): string | null {
  const digits = input.replace(/[\s-]/g, "");
  return /^\d{6}$/.test(digits) ? digits : null;
}
