import type { Context } from "elysia";
import { constantTimeEqual, deriveKey, keyedHmac, sessionIdOf } from "../auth";
import { lately } from "../memo";

export type CookieSettings = { appSecret: string; secureCookies: boolean };

/** How the auth's Set-Cookie lines are written. */
type CookieLines = {
  line(name: string, value: string, expires?: Date): string;
  removal(name: string): string;
  allNames: readonly string[];
};

/** How many genuine session signatures are remembered before it starts again. */
const MAX_REMEMBERED = 10_000;

/** Characters Bun.Cookie writes into a value as they are, without percent-encoding. */
const WRITTEN_AS_IS = /^[\w-]+$/;
const VALUE_SLOT = "value-slot";

/** A session cookie found genuine: its token, and the session's id. */
export type SentSession = { token: string; id: string };

/** The cookies a request sent, by name. */
export type SentCookies = { get(name: string): string | null };

/** What a request without a Cookie header sends: nothing, without parsing anything. */
const NO_COOKIES: SentCookies = { get: () => null };

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
  const flags = { path: "/", httpOnly: true, sameSite: "lax", secure: secureCookies } as const;
  /** A signed cookie's value and signature; null when it has no signature at all. */
  const split = (sent: string) => {
    const dot = sent.lastIndexOf(".");
    return dot === -1 ? null : { value: sent.slice(0, dot), signature: sent.slice(dot + 1) };
  };
  /** Whether the signature is ours for this value (not forged, nor made with another secret). */
  const genuine = (value: string, signature: string) => constantTimeEqual(signature, signatureOf(value));
  // A session sends the same signed cookie with every request: the signatures found genuine lately,
  // by the session's id, which is not a bearer secret (the database keeps it), so no token is kept.
  const genuineSignatures = lately<string>(MAX_REMEMBERED);
  // Each name's line as Bun writes it, with a slot for a value Bun writes as it is (the CSRF nonce,
  // base64url): filled in, rather than a Bun.Cookie made and serialized for every first visit.
  const slotted = new Map(
    allNames.map((name) => [name, new Bun.Cookie(name, VALUE_SLOT, flags).serialize().split(VALUE_SLOT)]),
  );
  /** Set-Cookie lines, by Bun: a session cookie (no expiry) unless `expires` is given. */
  const lines: CookieLines = {
    line(name, value, expires) {
      const parts = expires === undefined && WRITTEN_AS_IS.test(value) ? slotted.get(name) : undefined;
      return parts ? `${parts[0]}${value}${parts[1]}` : new Bun.Cookie(name, value, { ...flags, expires }).serialize();
    },
    removal: (name) => new Bun.Cookie(name, "", { ...flags, maxAge: 0, expires: new Date(0) }).serialize(),
    allNames,
  };

  return {
    names,
    sign: (value: string) => `${value}.${signatureOf(value)}`,
    /** The value of a signed cookie, or null without one; `forged` when its signature is not ours. */
    unsign(sent: string | null): string | null | "forged" {
      if (!sent) return null;
      const parts = split(sent);
      return parts && genuine(parts.value, parts.signature) ? parts.value : "forged";
    },
    /** The session cookie's token and the session's id, or null without one; `forged` when its signature is not ours. */
    unsignSession(sent: string | null): SentSession | null | "forged" {
      if (!sent) return null;
      const parts = split(sent);
      if (!parts) return "forged";
      const { value: token, signature } = parts;
      const id = sessionIdOf(token);
      const known = genuineSignatures.get(id);
      if (known !== undefined) return constantTimeEqual(signature, known) ? { token, id } : "forged";
      if (!genuine(token, signature)) return "forged";
      genuineSignatures.set(id, signature);
      return { token, id };
    },
    /** The cookies a request sent, parsed by Bun; for a name sent twice, the first, as browsers send the most specific first. */
    read: (request: Request): SentCookies => {
      const header = request.headers.get("cookie");
      return header ? new Bun.CookieMap(header) : NO_COOKIES;
    },

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
