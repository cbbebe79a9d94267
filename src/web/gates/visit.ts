import {
  type Auth,
  constantTimeEqual,
  deriveKey,
  keyedHmac,
  type NewSession,
  type NewTrustedBrowser,
  type RequestMeta,
  randomToken,
  type SessionWithUser,
} from "../../auth";
import { requestMeta, type SocketSource } from "../client";
import type { AuthCookies, OutgoingCookies, SentCookies } from "../cookies";
import { wantsFragment } from "../fragments";
import type { GateContext } from "./context";

/** What randomToken() makes: 32 bytes in base64url. */
const NONCE = /^[A-Za-z0-9_-]{43}$/;

export type VisitSettings = {
  auth: Auth;
  cookies: AuthCookies;
  appSecret: string;
  trustedProxyHeader: string | null;
  /** The host's server, for a client's address; none under `app.handle`. */
  server: () => SocketSource | null;
};

/** What every visit shares: made once a mount. */
type VisitTools = Pick<VisitSettings, "cookies" | "trustedProxyHeader" | "server"> & {
  csrfHmac: (value: string) => string;
  csrfTokenFor: (nonce: string, sessionToken: string | null) => string;
};

/**
 * The session a request came with (`current`, null for none) and what a handler may do with
 * it. A class, so that a request makes one object rather than a closure for each method.
 */
export class Visit {
  // Private: a handler sees the methods, `current` and `trustedBrowserToken`, nothing more.
  readonly #request: Request;
  readonly #set: GateContext["set"];
  readonly #outgoing: OutgoingCookies;
  readonly #nonce: string;
  readonly #expectedCsrfToken: string;
  readonly #tools: VisitTools;
  #meta: RequestMeta | undefined;

  constructor(
    readonly current: SessionWithUser | null,
    readonly trustedBrowserToken: string | null,
    { request, set }: GateContext,
    outgoing: OutgoingCookies,
    nonce: string,
    expectedCsrfToken: string,
    tools: VisitTools,
  ) {
    this.#request = request;
    this.#set = set;
    this.#outgoing = outgoing;
    this.#nonce = nonce;
    this.#expectedCsrfToken = expectedCsrfToken;
    this.#tools = tools;
  }

  csrfTokenMatches(token: unknown): boolean {
    return typeof token === "string" && constantTimeEqual(token, this.#expectedCsrfToken);
  }

  /** Who is asking: worked out only when a handler records it, which pages never do. */
  meta(): RequestMeta {
    this.#meta ??= requestMeta(this.#request, this.#tools.server(), this.#tools.trustedProxyHeader);
    return this.#meta;
  }

  /**
   * This browser, for a passwordless sign-in's challenge: keyed from its CSRF nonce, which
   * only its own cookie carries, and never stored as it is.
   */
  browser(): string {
    return `browser:${this.#tools.csrfHmac(`passwordless.${this.#nonce}`)}`;
  }

  /** Sets the new session's cookie; the CSRF token its forms carry. */
  startSession(session: NewSession): string {
    const { cookies } = this.#tools;
    this.#outgoing.set(cookies.names.session, cookies.sign(session.token), session.expiresAt);
    return this.#renewCsrf(session.token);
  }

  endSession(): string {
    this.#outgoing.remove(this.#tools.cookies.names.session);
    // Whatever a script may have stored goes too; cookies only when there is no trusted
    // browser to keep, since clearing cookies would also forget this browser's trust.
    this.#set.headers["clear-site-data"] = this.trustedBrowserToken ? '"storage"' : '"cookies", "storage"';
    return this.#renewCsrf(null);
  }

  trustBrowser(browser: NewTrustedBrowser): void {
    const { cookies } = this.#tools;
    this.#outgoing.set(cookies.names.trustedBrowser, cookies.sign(browser.token), browser.expiresAt);
  }

  /**
   * A new nonce for the session that follows this answer, as at every step up and at sign-out:
   * the token the answer's own forms must carry from then on.
   */
  #renewCsrf(nextSessionToken: string | null): string {
    const renewed = randomToken();
    this.#outgoing.set(this.#tools.cookies.names.csrf, renewed);
    return this.#tools.csrfTokenFor(renewed, nextSessionToken);
  }
}

/**
 * What a handler sees of the request: whether it wants a fragment, the CSRF token its forms
 * carry, and its `visit`. Only three, as Elysia copies each field onto the context.
 */
export type RequestState = {
  fragment: boolean;
  /** What this answer's forms carry, until a step up or a sign-out renews it. */
  csrfToken: string;
  visit: Visit;
};

/**
 * Reading a request's visit: its signed cookies, the session behind them, and its CSRF nonce.
 * Signed double-submit CSRF, bound to the session: the cookie holds a random nonce, and forms
 * carry the HMAC of that nonce and the session cookie, so a token taken from one client or one
 * session is worth nothing in another.
 */
export function visits({ auth, cookies, appSecret, trustedProxyHeader, server }: VisitSettings) {
  const { names } = cookies;
  const csrfHmac = keyedHmac(deriveKey(appSecret, "csrf"));
  const csrfTokenFor = (nonce: string, sessionToken: string | null) => csrfHmac(`${nonce}.${sessionToken ?? ""}`);
  const tools: VisitTools = { cookies, trustedProxyHeader, server, csrfHmac, csrfTokenFor };

  function stateOf(
    ctx: GateContext,
    sent: SentCookies,
    sessionToken: string | null,
    trustedBrowserToken: string | null,
    current: SessionWithUser | null,
  ): RequestState {
    const outgoing = cookies.outgoing(ctx.set);
    if (sessionToken && !current) outgoing.remove(names.session);

    // Only a nonce of ours is kept: anything else (a dot would blur where the nonce ends and
    // the session begins in the HMAC below) is replaced.
    const sentNonce = sent.get(names.csrf);
    const nonce = sentNonce && NONCE.test(sentNonce) ? sentNonce : randomToken();
    if (nonce !== sentNonce) outgoing.set(names.csrf, nonce);
    // Checked against the session cookie this request came with, even one whose session
    // expired after its page was drawn: signing out of it then signs out, not a 403.
    const expectedCsrfToken = csrfTokenFor(nonce, sessionToken);
    const csrfToken = current || !sessionToken ? expectedCsrfToken : csrfTokenFor(nonce, null);
    return {
      fragment: wantsFragment(ctx.request.headers),
      csrfToken,
      visit: new Visit(current, trustedBrowserToken, ctx, outgoing, nonce, expectedCsrfToken, tools),
    };
  }

  return {
    /**
     * The request's state, or null when a cookie was signed with another secret. At once
     * without a session cookie, as there is nothing to look up; else once the session is.
     */
    read(ctx: GateContext): RequestState | null | Promise<RequestState | null> {
      const sent = cookies.read(ctx.request);
      const sessionToken = cookies.unsign(sent.get(names.session));
      const trustedBrowserToken = cookies.unsign(sent.get(names.trustedBrowser));
      if (sessionToken === "forged" || trustedBrowserToken === "forged") return null;
      if (!sessionToken) return stateOf(ctx, sent, null, trustedBrowserToken, null);
      return auth
        .session(sessionToken)
        .then((current) => stateOf(ctx, sent, sessionToken, trustedBrowserToken, current));
    },
  };
}
