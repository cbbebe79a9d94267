import {
  type Auth,
  constantTimeEqual,
  deriveKey,
  keyedHmac,
  type NewSession,
  type NewTrustedBrowser,
  type RequestMeta,
  randomToken,
  type Session,
  type SessionWithUser,
  type User,
} from "../../auth";
import { lately } from "../../memo";
import { requestMeta, type SocketSource } from "../client";
import type { AuthCookies, OutgoingCookies, SentCookies, SentSession } from "../cookies";
import { wantsFragment } from "../fragments";
import type { GateContext } from "./context";

/** What randomToken() makes: 32 bytes in base64url. */
const NONCE = /^[A-Za-z0-9_-]{43}$/;
/** How many CSRF tokens of nonces and sessions seen lately are remembered before it starts again. */
const MAX_REMEMBERED = 10_000;

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
 * One request as a handler of the auth sees it: the session it came with (`current`, null for
 * none), whether it wants a fragment, the CSRF token its answer's forms carry, and what the
 * handler may do (start or end a session, trust the browser, record who asked). It is also the
 * context a page is drawn in. A class, so that a request makes one object rather than a closure
 * for each method.
 */
export class Visit {
  readonly fragment: boolean;
  /** What this answer's forms carry: renewed when a session starts or ends. */
  csrfToken: string;
  // Private: a handler sees the methods and the fields above, nothing more.
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
    csrfToken: string,
    tools: VisitTools,
  ) {
    this.fragment = wantsFragment(request.headers);
    this.csrfToken = csrfToken;
    this.#request = request;
    this.#set = set;
    this.#outgoing = outgoing;
    this.#nonce = nonce;
    this.#expectedCsrfToken = expectedCsrfToken;
    this.#tools = tools;
  }

  /** Where the answer's status and headers go. */
  get set(): GateContext["set"] {
    return this.#set;
  }

  /** The session, on a route that lets only a session in. */
  get session(): Session {
    return this.#signedIn().session;
  }

  get user(): User {
    return this.#signedIn().user;
  }

  #signedIn(): SessionWithUser {
    if (!this.current) throw new Error("no session: this route's gate should have let none in without one");
    return this.current;
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

  /** Sets the new session's cookie, and the CSRF token its forms carry. */
  startSession(session: NewSession): void {
    const { cookies } = this.#tools;
    this.#outgoing.set(cookies.names.session, cookies.sign(session.token), session.expiresAt);
    this.#renewCsrf(session.token);
  }

  /** Ends the session in this browser; `forgetBrowser`, as when the account is deleted, forgets its trust too. */
  endSession({ forgetBrowser = false } = {}): void {
    const { names } = this.#tools.cookies;
    this.#outgoing.remove(names.session);
    if (forgetBrowser && this.trustedBrowserToken) this.#outgoing.remove(names.trustedBrowser);
    // Whatever a script may have stored goes too; cookies only when there is no trusted
    // browser to keep, since clearing cookies would also forget this browser's trust.
    const keepCookies = this.trustedBrowserToken && !forgetBrowser;
    this.#set.headers["clear-site-data"] = keepCookies ? '"storage"' : '"cookies", "storage"';
    this.#renewCsrf(null);
  }

  trustBrowser(browser: NewTrustedBrowser): void {
    const { cookies } = this.#tools;
    this.#outgoing.set(cookies.names.trustedBrowser, cookies.sign(browser.token), browser.expiresAt);
  }

  /**
   * A new nonce for the session that follows this answer, as at every step up and at sign-out:
   * the token the answer's own forms must carry from then on.
   */
  #renewCsrf(nextSessionToken: string | null): void {
    const renewed = randomToken();
    this.#outgoing.set(this.#tools.cookies.names.csrf, renewed);
    this.csrfToken = this.#tools.csrfTokenFor(renewed, nextSessionToken);
  }
}

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
  // A browser sends the same nonce and session with every request: their token is remembered, by
  // the nonce and the session's id, never by the session's token. Not for a nonce made just now.
  const csrfTokensLately = lately<string>(MAX_REMEMBERED);
  function csrfTokenOf(nonce: string, session: SentSession | null, nonceWasSent: boolean): string {
    if (!nonceWasSent) return csrfTokenFor(nonce, session?.token ?? null);
    const key = `${nonce}.${session?.id ?? ""}`;
    const known = csrfTokensLately.get(key);
    if (known !== undefined) return known;
    const token = csrfTokenFor(nonce, session?.token ?? null);
    csrfTokensLately.set(key, token);
    return token;
  }

  function visitOf(
    ctx: GateContext,
    sent: SentCookies,
    session: SentSession | null,
    trustedBrowserToken: string | null,
    current: SessionWithUser | null,
  ): Visit {
    const outgoing = cookies.outgoing(ctx.set);
    if (session && !current) outgoing.remove(names.session);

    // Only a nonce of ours is kept: anything else (a dot would blur where the nonce ends and
    // the session begins in the HMAC below) is replaced.
    const sentNonce = sent.get(names.csrf);
    const nonce = sentNonce && NONCE.test(sentNonce) ? sentNonce : randomToken();
    if (nonce !== sentNonce) outgoing.set(names.csrf, nonce);
    // Checked against the session cookie this request came with, even one whose session
    // expired after its page was drawn: signing out of it then signs out, not a 403.
    const nonceWasSent = nonce === sentNonce;
    const expectedCsrfToken = csrfTokenOf(nonce, session, nonceWasSent);
    const csrfToken = current || !session ? expectedCsrfToken : csrfTokenOf(nonce, null, nonceWasSent);
    return new Visit(current, trustedBrowserToken, ctx, outgoing, nonce, expectedCsrfToken, csrfToken, tools);
  }

  return {
    /**
     * The request's state, or null when a cookie was signed with another secret. At once
     * without a session cookie, as there is nothing to look up; else once the session is.
     */
    read(ctx: GateContext): Visit | null | Promise<Visit | null> {
      const sent = cookies.read(ctx.request);
      const session = cookies.unsignSession(sent.get(names.session));
      const trustedBrowserToken = cookies.unsign(sent.get(names.trustedBrowser));
      if (session === "forged" || trustedBrowserToken === "forged") return null;
      if (!session) return visitOf(ctx, sent, null, trustedBrowserToken, null);
      return auth.sessionById(session.id).then((current) => visitOf(ctx, sent, session, trustedBrowserToken, current));
    },
  };
}
