import { describe, expect, test } from "bun:test";
import { codeAt, groupKey, matchingTimeStep, newTotpSecret, normalizeCode, otpauthUri } from "../src/auth/factors/totp";

// RFC 6238 appendix B, SHA-1 key "12345678901234567890". Six digits are the last six of the RFC's eight.
const rfcKey = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
const rfcVectors: [number, string][] = [
  [59, "94287082"],
  [1111111109, "07081804"],
  [1111111111, "14050471"],
  [1234567890, "89005924"],
  [2000000000, "69279037"],
  [20000000000, "65353130"],
];

describe("TOTP", () => {
  test.each(rfcVectors)("RFC 6238 vector at %i s", (seconds, eightDigits) => {
    expect(codeAt(rfcKey, seconds * 1000)).toBe(eightDigits.slice(2));
    expect(matchingTimeStep(rfcKey, eightDigits.slice(2), seconds * 1000)).toBe(Math.floor(seconds / 30));
  });

  test("accepts one step either side and nothing further", () => {
    const now = 1_700_000_000_000;
    const step = Math.floor(now / 30_000);
    for (const offset of [-1, 0, 1]) {
      expect(matchingTimeStep(rfcKey, codeAt(rfcKey, now + offset * 30_000), now)).toBe(step + offset);
    }
    for (const offset of [-2, 2]) {
      expect(matchingTimeStep(rfcKey, codeAt(rfcKey, now + offset * 30_000), now)).toBeNull();
    }
  });

  test("new keys are 160 random bits in base32", () => {
    const keys = new Set(Array.from({ length: 100 }, newTotpSecret));
    expect(keys.size).toBe(100);
    for (const key of keys) expect(key).toMatch(/^[A-Z2-7]{32}$/);
  });

  test("the URI is a standard otpauth URI naming the issuer and the account", () => {
    const uri = new URL(otpauthUri(rfcKey, "Two-Factor Auth", "alice"));
    expect(uri.protocol).toBe("otpauth:");
    expect(uri.host).toBe("totp");
    expect(decodeURIComponent(uri.pathname)).toBe("/Two-Factor Auth:alice");
    expect(uri.searchParams.get("secret")).toBe(rfcKey);
    expect(uri.searchParams.get("issuer")).toBe("Two-Factor Auth");
    expect(uri.searchParams.get("algorithm")).toBe("SHA1");
    expect(uri.searchParams.get("digits")).toBe("6");
    expect(uri.searchParams.get("period")).toBe("30");
  });

  test("pasted codes with spaces or a dash are read as six digits", () => {
    expect(normalizeCode(" 123 456 ")).toBe("123456");
    expect(normalizeCode("123-456")).toBe("123456");
    expect(normalizeCode("12345")).toBeNull();
    expect(normalizeCode("1234567")).toBeNull();
    expect(normalizeCode("12345a")).toBeNull();
  });

  test("keys are shown in groups of four", () => {
    expect(groupKey("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")).toBe("JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP");
  });
});
