import type { Context } from "elysia";
import { constantTimeEqual, deriveKey, keyedHmac } from "../auth";
import { rememberLately } from "../memo";

export type CookieSettings = { appSecret: string; secureCookies: boolean };

/** How the auth's Set-Cookie lines are written. */
type CookieLines = {
  line(name: string, value: string, expires?: Date): string;
  removal(name: string): string;
  allNames: readonly string[];
};

/** How many genuine signed cookies `unsign` remembers before it starts again. */
const MAX_REMEMBERED = 10_000;

/** What a request without a Cookie header sends: one map for all of them, never written to. */
const NO_COOKIES: ReadonlyMap<string, string> = new Map();

/** The values of the named cookies in a Cookie header; the first of each wins, as browsers send the most specific first. */
function readCookies(header: string | null, wanted: readonly string[]): ReadonlyMap<string, string> {
  if (!header) return NO_COOKIES;
  const found = new Map<string, string>();
  for (const pair of header.split(";")) {
    const separator = pair.indexOf("=");
    if (separator === -1) continue;
    const name = pair.slice(0, separator).trim();
    if (!wanted.includes(name) || found.has(name)) continue;
    const value = pair.slice(separator + 1).trim();
    try {
      // Our values are base64: only an older, escaped cookie has anything to decode.
      found.set(name, value.includes("%") ? decodeURIComponent(value) : value);
    } catch {
      found.set(name, ""); // a malformed escape is no value at all
    }
  }
  return found;
}

/**
 * The auth's cookies, read, named, signed and flagged by the auth itself: a host app's own
 * cookie settings neither reach them nor are changed by them, and no route pays for Elysia's
 * cookie jar. `__Host-` under https, where the browser then insists on Secure, Path=/ and no Domain.
 */
export function authCookies({ appSecret, secureCookies }: CookieSettings) {
  // Named apart from any cookie of the host's (a `session` of its own, say), which the auth never reads or clears.
  const prefix = secureCookies ? "__Host-tfa-" : "tfa-";
  const names = { session: `${prefix}session`, csrf: `${prefix}csrf`, trustedBrowser: `${prefix}trusted` };
  const allNames = Object.values(names);
  // The format of Elysia's signed cookies, under the key it was given before, so cookies set
  // by earlier versions stay valid: the value, a dot, and its HMAC-SHA-256 in base64.
  const key = deriveKey(appSecret, "cookie-signing").toString("base64url");
  const hmac = keyedHmac(key);
  const signatureOf = (value: string) => hmac(value, "base64").replace(/=+$/, "");
  const flags = `; Path=/; HttpOnly; SameSite=Lax${secureCookies ? "; Secure" : ""}`;
  /** The value of a signed cookie; `forged` when its signature is not ours (forged, or from another secret). */
  const verify = (sent: string): string | "forged" => {
    const dot = sent.lastIndexOf(".");
    if (dot === -1) return "forged";
    const value = sent.slice(0, dot);
    return constantTimeEqual(sent, `${value}.${signatureOf(value)}`) ? value : "forged";
  };
  // A session sends the same signed cookie with every request, and its HMAC comes out the same
  // each time: genuine ones seen lately are remembered. Only genuine ones, so forged cookies
  // cannot fill the memory.
  const verifyLately = rememberLately(MAX_REMEMBERED, verify, (value) => value !== "forged");

  /**
   * Set-Cookie lines: a session cookie (no expiry) unless `expires` is given. The values are
   * base64 and base64url, which a cookie may hold as they are; older cookies were escaped,
   * which reading undoes.
   */
  const lines: CookieLines = {
    line: (name, value, expires) => `${name}=${value}${flags}${expires ? `; Expires=${expires.toUTCString()}` : ""}`,
    removal: (name) => `${name}=${flags}; Max-Age=0; Expires=${new Date(0).toUTCString()}`,
    allNames,
  };

  return {
    names,
    sign: (value: string) => `${value}.${signatureOf(value)}`,
    /** The value of a signed cookie, or null without one; `forged` when its signature is not ours. */
    unsign: (sent: string | undefined): string | null | "forged" => (sent ? verifyLately(sent) : null),
    read: (request: Request) => readCookies(request.headers.get("cookie"), allNames),

    /** What one answer sets: each cookie once, the last value given winning. */
    outgoing: (set: Context["set"]) => new OutgoingCookies(set, lines),
  };
}

export type AuthCookies = ReturnType<typeof authCookies>;

/**
 * The cookies one answer sets, written to `set.headers` as they change: one line as a string,
 * several as the array Elysia splits. A class: every request of the auth makes one.
 */
export class OutgoingCookies {
  readonly #lines = new Map<string, string>();
  readonly #answer: Context["set"];
  readonly #format: CookieLines;

  constructor(answer: Context["set"], format: CookieLines) {
    this.#answer = answer;
    this.#format = format;
  }

  set(name: string, value: string, expires?: Date): void {
    this.#put(name, this.#format.line(name, value, expires));
  }

  remove(name: string): void {
    this.#put(name, this.#format.removal(name));
  }

  removeAll(): void {
    for (const name of this.#format.allNames) this.remove(name);
  }

  #put(name: string, line: string): void {
    this.#lines.set(name, line);
    const all = this.#lines.size === 1 ? line : Array.from(this.#lines.values());
    this.#answer.headers["set-cookie"] = all as string;
  }
}
