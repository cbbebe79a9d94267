import { createHmac } from "node:crypto";
import { constantTimeEqual, deriveKey } from "../auth";

export type CookieSettings = { appSecret: string; secureCookies: boolean };

/**
 * The auth's cookies, named, signed and flagged by the auth itself: a host app's own cookie
 * settings neither reach them nor are changed by them. `__Host-` under https, where the
 * browser then insists on Secure, Path=/ and no Domain.
 */
export function authCookies({ appSecret, secureCookies }: CookieSettings) {
  const prefix = secureCookies ? "__Host-" : "";
  const names = { session: `${prefix}session`, csrf: `${prefix}csrf`, trustedBrowser: `${prefix}trusted` };
  // The format of Elysia's signed cookies, under the key it was given before, so cookies set
  // by earlier versions stay valid: the value, a dot, and its HMAC-SHA-256 in base64.
  const key = deriveKey(appSecret, "cookie-signing").toString("base64url");
  const signatureOf = (value: string) => createHmac("sha256", key).update(value).digest("base64").replace(/=+$/, "");

  return {
    names,
    attributes: { httpOnly: true, sameSite: "lax", secure: secureCookies, path: "/" } as const,
    sign: (value: string) => `${value}.${signatureOf(value)}`,
    /** The value of a signed cookie; `forged` when its signature is not ours (forged, or from another secret). */
    unsign(sent: unknown): string | null | "forged" {
      if (typeof sent !== "string" || sent === "") return null;
      const dot = sent.lastIndexOf(".");
      if (dot === -1) return "forged";
      const value = sent.slice(0, dot);
      return constantTimeEqual(sent, `${value}.${signatureOf(value)}`) ? value : "forged";
    },
    /** Set-Cookie lines that delete every cookie of the auth. */
    deletions: () =>
      Object.values(names).map(
        (name) => `${name}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax${secureCookies ? "; Secure" : ""}`,
      ),
  };
}

export type AuthCookies = ReturnType<typeof authCookies>;
