import { type Context, Elysia, status } from "elysia";
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
  type Step,
  signedInSession,
  signedInUser,
  stepOf,
} from "../auth";
import { type AuthPaths, pathOfStep } from "../paths";
import { waitFor } from "../words";
import { requestMeta, type SocketSource } from "./client";
import type { AuthCookies, OutgoingCookies, SentCookies } from "./cookies";
import type { ErrorPages } from "./errors";
import { readForm } from "./forms";
import { wantsFragment } from "./fragments";
import { HttpError } from "./http-error";
import { ipBudget } from "./ip-budget";
import { goTo } from "./respond";
import { isSafeMethod, isSameOrigin } from "./security";

export type GateSettings = {
  auth: Auth;
  paths: AuthPaths;
  cookies: AuthCookies;
  errors: ErrorPages;
  appSecret: string;
  appOrigin: string;
  trustedProxyHeader: string | null;
  /** Unsafe requests a minute per client IP on the auth's own forms; 0 for none. */
  ipRateLimit: number;
  clock: () => number;
  /** Names this set of macros apart when a host mounts the auth twice. */
  seed: string;
};

/** What randomToken() makes: 32 bytes in base64url. */
const NONCE = /^[A-Za-z0-9_-]{43}$/;

const forbidden = new HttpError(
  403,
  "Request refused",
  "This form could not be verified as coming from this site. Reload the page and try again.",
);

const tooManyRequests = (retryAfterSeconds: number) =>
  new HttpError(
    429,
    "Too many requests",
    `Too many attempts from your network. Try again in ${waitFor(retryAfterSeconds * 1000, 0)}.`,
    { "retry-after": String(retryAfterSeconds) },
  );

/**
 * What a gate sees of Elysia's context: these fields, named. A hook or handler that takes the
 * whole context, or hands it on, makes Elysia's inference prepare all of it on every request
 * (the query, a headers object, the cookie jar): every hook and handler here names its fields.
 */
type GateContext = Pick<Context, "request" | "set" | "body">;

/**
 * A transform that may answer the request itself: Elysia sends a `status()` a transform
 * returns (and merges any other object into the context), though its type says void. Elysia
 * awaits a hook that returns a call, as these do, so the answer may come at once or later.
 */
const mayAnswer = (hook: (ctx: GateContext) => unknown) => hook as (ctx: GateContext) => Promise<void>;

/**
 * The gates of the auth, as macros: each route says which steps it serves, and a host's own
 * route says `signedIn: true`. Nothing here is a global hook: a route that names no gate is
 * never looked at, whatever the order it was registered in.
 */
export function authGates(settings: GateSettings) {
  // Keys of this mount's own: two mounts in one app never read each other's state.
  const READ = Symbol("the request, read");
  const STATE = Symbol("the request's state");
  const { auth, paths, cookies, errors, clock } = settings;
  const { names } = cookies;
  const csrfKey = deriveKey(settings.appSecret, "csrf");
  const budget = settings.ipRateLimit > 0 ? ipBudget(settings.ipRateLimit, clock) : null;
  const csrfHmac = keyedHmac(csrfKey);
  const csrfTokenFor = (nonce: string, sessionToken: string | null) => csrfHmac(`${nonce}.${sessionToken ?? ""}`);
  // The host's server, for a client's address (none under `app.handle`): kept at the start, as a
  // hook that named `server` would have Elysia define it on every request's context.
  let server: SocketSource | null = null;

  /** The answer to a request at the wrong step: sent, changing nothing, to the step it is at. */
  const sendTo = ({ request, set }: GateContext, step: Step) =>
    goTo({ set, fragment: wantsFragment(request.headers) }, pathOfStep(paths, step), step === "signed_in");

  /** A cookie signed with another secret (forged, or from before a rotation): forget them all and start over. */
  function restartSignIn({ request, set }: GateContext) {
    cookies.outgoing(set).removeAll();
    if (wantsFragment(request.headers)) {
      set.headers["hx-redirect"] = paths.login;
      return status(200, "");
    }
    set.headers.location = paths.login;
    return status(303, "");
  }

  /**
   * The session behind the cookie and what a handler may do with it, or null when a cookie
   * was signed with another secret. Signed double-submit CSRF, bound to the session: the
   * cookie holds a random nonce, and forms carry the HMAC of that nonce and the session
   * cookie, so a token taken from one client or one session is worth nothing in another.
   */
  function readRequestOnce(ctx: GateContext): RequestState | null | Promise<RequestState | null> {
    const sent = cookies.read(ctx.request);
    const sessionToken = cookies.unsign(sent.get(names.session));
    const trustedBrowserToken = cookies.unsign(sent.get(names.trustedBrowser));
    if (sessionToken === "forged" || trustedBrowserToken === "forged") return null;
    // Without a session cookie there is nothing to look up: read at once, with no promise.
    if (!sessionToken) return requestState(ctx, sent, null, trustedBrowserToken, null);
    return auth
      .session(sessionToken)
      .then((current) => requestState(ctx, sent, sessionToken, trustedBrowserToken, current));
  }

  /**
   * The session a request came with (`current`, null for none) and what a handler may do with
   * it. A class, so that a request makes one object rather than a closure for each method.
   */
  class Visit {
    // Private: a handler sees the methods, `current` and `trustedBrowserToken`, nothing more.
    readonly #request: Request;
    readonly #set: GateContext["set"];
    readonly #outgoing: OutgoingCookies;
    readonly #nonce: string;
    readonly #expectedCsrfToken: string;
    #meta: RequestMeta | undefined;

    constructor(
      readonly current: SessionWithUser | null,
      readonly trustedBrowserToken: string | null,
      request: Request,
      set: GateContext["set"],
      outgoing: OutgoingCookies,
      nonce: string,
      expectedCsrfToken: string,
    ) {
      this.#request = request;
      this.#set = set;
      this.#outgoing = outgoing;
      this.#nonce = nonce;
      this.#expectedCsrfToken = expectedCsrfToken;
    }

    csrfTokenMatches(token: unknown): boolean {
      return typeof token === "string" && constantTimeEqual(token, this.#expectedCsrfToken);
    }

    /** Who is asking: worked out only when a handler records it, which pages never do. */
    meta(): RequestMeta {
      this.#meta ??= requestMeta(this.#request, server, settings.trustedProxyHeader);
      return this.#meta;
    }

    /**
     * This browser, for a passwordless sign-in's challenge: keyed from its CSRF nonce, which
     * only its own cookie carries, and never stored as it is.
     */
    browser(): string {
      return `browser:${csrfHmac(`passwordless.${this.#nonce}`)}`;
    }

    /** Sets the new session's cookie; the CSRF token its forms carry. */
    startSession(session: NewSession): string {
      this.#outgoing.set(names.session, cookies.sign(session.token), session.expiresAt);
      return this.#renewCsrf(session.token);
    }

    endSession(): string {
      this.#outgoing.remove(names.session);
      // Whatever a script may have stored goes too; cookies only when there is no trusted
      // browser to keep, since clearing cookies would also forget this browser's trust.
      this.#set.headers["clear-site-data"] = this.trustedBrowserToken ? '"storage"' : '"cookies", "storage"';
      return this.#renewCsrf(null);
    }

    trustBrowser(browser: NewTrustedBrowser): void {
      this.#outgoing.set(names.trustedBrowser, cookies.sign(browser.token), browser.expiresAt);
    }

    /**
     * A new nonce for the session that follows this answer, as at every step up and at sign-out:
     * the token the answer's own forms must carry from then on.
     */
    #renewCsrf(nextSessionToken: string | null): string {
      const renewed = randomToken();
      this.#outgoing.set(names.csrf, renewed);
      return csrfTokenFor(renewed, nextSessionToken);
    }
  }

  /**
   * What a handler sees of the request: whether it wants a fragment, the CSRF token its forms
   * carry, and its `visit`. Only three, as Elysia copies each field onto the context.
   */
  function requestState(
    { request, set }: GateContext,
    sent: SentCookies,
    sessionToken: string | null,
    trustedBrowserToken: string | null,
    current: SessionWithUser | null,
  ) {
    const outgoing = cookies.outgoing(set);
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
      fragment: wantsFragment(request.headers),
      /** What this answer's forms carry, until a step up or a sign-out renews it. */
      csrfToken,
      visit: new Visit(current, trustedBrowserToken, request, set, outgoing, nonce, expectedCsrfToken),
    };
  }

  /**
   * Read once a request, however many guards a host route names (`signedIn` and `csrf`, say):
   * carried on its Request, under keys no one else has.
   */
  function readRequest(ctx: GateContext) {
    const carried = ctx.request as Carried;
    if (carried[READ] === undefined) carried[READ] = readRequestOnce(ctx);
    return carried[READ];
  }

  /**
   * `then` with the request's state: at once when it was read without a lookup, else once it
   * was looked up. `then` is one of the admissions below, made once: no closure a request.
   */
  function withState<Arg, Result>(
    ctx: GateContext,
    then: (ctx: GateContext, state: RequestState | null, arg: Arg) => Result,
    arg: Arg,
  ) {
    const read = readRequest(ctx);
    return read instanceof Promise ? read.then((state) => then(ctx, state, arg)) : then(ctx, read, arg);
  }

  type RequestState = ReturnType<typeof requestState>;
  type Carried = { [READ]?: ReturnType<typeof readRequestOnce>; [STATE]?: RequestState };
  /** Each request's state, from its gate's transform to its resolve. */
  const keepState = (request: Request, state: RequestState) => {
    (request as Carried)[STATE] = state;
  };
  const stateOf = (request: Request) => (request as Carried)[STATE] as RequestState;
  /** The same, as a resolve hook that reads in place: Elysia awaits any hook whose source returns a call. */
  const stateOfRequest = ({ request }: { request: Request }) => (request as Carried)[STATE] as RequestState;

  /** The refusal of an unsafe request from another site; null when it may go on. */
  function crossSite({ request }: GateContext): HttpError | null {
    return isSafeMethod(request.method) || isSameOrigin(request.headers, settings.appOrigin) ? null : forbidden;
  }

  /** The refusal of an unsafe request from another site or without the right token; null when it may go on. */
  function forgery(ctx: GateContext, state: RequestState): HttpError | null {
    const { request, body } = ctx;
    if (isSafeMethod(request.method)) return null;
    if (crossSite(ctx)) return forbidden;
    // The form's own field first: it is drawn with the form, so it is never stale.
    const token = (body as Record<string, unknown> | undefined)?.csrf ?? request.headers.get("x-csrf-token");
    return state.visit.csrfTokenMatches(token) ? null : forbidden;
  }

  function overBudget({ request }: GateContext, state: RequestState): HttpError | null {
    if (!budget || isSafeMethod(request.method)) return null;
    const retryAfter = budget.spend(state.visit.meta().ip ?? "unknown");
    return retryAfter ? tooManyRequests(retryAfter) : null;
  }

  /**
   * The gate of the auth's own routes. The step comes first (a request at the wrong step
   * changes nothing and is only sent on), then the token and the per-IP budget, and only
   * then are the fields validated: a forged or over-budget request learns nothing about them.
   */
  function admitToOwnRoute(ctx: GateContext, state: RequestState | null, serves: (step: Step) => boolean) {
    if (!state) return restartSignIn(ctx);
    const step = stepOf(state.visit.current);
    if (!serves(step)) return sendTo(ctx, step);
    const refused = forgery(ctx, state) ?? overBudget(ctx, state);
    if (refused) return errors.answer(ctx, refused);
    keepState(ctx.request, state);
  }

  /** A host's signed-in route: a fully signed-in session, and an unsafe request only from this origin. */
  function admitSignedIn(ctx: GateContext, state: RequestState | null) {
    if (!state) return restartSignIn(ctx);
    const step = stepOf(state.visit.current);
    if (step !== "signed_in") return sendTo(ctx, step);
    const refused = crossSite(ctx);
    if (refused) return errors.answer(ctx, refused);
    keepState(ctx.request, state);
  }

  /** A host's form: an unsafe request from this origin with the auth's CSRF token. */
  function admitToForm(ctx: GateContext, state: RequestState | null) {
    if (!state) return restartSignIn(ctx);
    const refused = forgery(ctx, state);
    if (refused) return errors.answer(ctx, refused);
    keepState(ctx.request, state);
  }

  const isSignedOut = (step: Step) => step === "signed_out";
  const atAnyStep = () => true;

  /** The hooks every route of the auth shares: its strict form parser and its own error answers. */
  const ownRoute = { parse: ({ request }: { request: Request }) => readForm(request), error: errors.onError };

  return new Elysia({ name: "two-factor-auth-gates", seed: settings.seed })
    .onStart((app) => {
      server = app.server;
    })
    .macro({
      /** Only for people not signed in at all; anyone else is sent to the step they are at. */
      anonymousOnly: {
        ...ownRoute,
        transform: mayAnswer(({ request, set, body }) =>
          withState({ request, set, body }, admitToOwnRoute, isSignedOut),
        ),
        resolve: stateOfRequest,
      },
      /**
       * Only for sessions at one of these steps; anyone else is sent to the step they are at.
       * This is what keeps pending sessions out of every signed-in page.
       */
      sessionAt: (steps: Exclude<Step, "signed_out">[]) => {
        const serves = (step: Step) => (steps as Step[]).includes(step);
        return {
          ...ownRoute,
          transform: mayAnswer(({ request, set, body }) => withState({ request, set, body }, admitToOwnRoute, serves)),
          resolve({ request }) {
            const { fragment, csrfToken, visit } = stateOf(request);
            // The transform let only a session at one of `steps` through.
            const { session, user } = visit.current as SessionWithUser;
            return { fragment, csrfToken, visit, session, user };
          },
        };
      },
      /** At any step, or none: signing out. */
      anyStep: {
        ...ownRoute,
        transform: mayAnswer(({ request, set, body }) => withState({ request, set, body }, admitToOwnRoute, atAnyStep)),
        resolve: stateOfRequest,
      },

      /**
       * For a host's own routes: only a fully signed-in session gets in, with `user`, `session`,
       * `csrfToken` and `fragment` on the context; anyone else is sent to the step they are at.
       * An unsafe request must also come from this origin. The host's body parsing is left alone.
       */
      signedIn: {
        error: errors.onUnavailable,
        transform: mayAnswer(({ request, set }) => withState({ request, set, body: undefined }, admitSignedIn, null)),
        resolve({ request }) {
          const { visit, csrfToken, fragment } = stateOf(request);
          const { session, user } = visit.current as SessionWithUser;
          // Public views: a host that returns or logs them leaks no hash, key or token.
          return { session: signedInSession(session), user: signedInUser(user), csrfToken, fragment };
        },
      },
      /**
       * For a host's own forms: an unsafe request needs this origin and the auth's CSRF token,
       * in a `csrf` field or an `X-CSRF-Token` header; any request gets `csrfToken` to draw forms with.
       */
      csrf: {
        error: errors.onUnavailable,
        transform: mayAnswer(({ request, set, body }) => withState({ request, set, body }, admitToForm, null)),
        resolve: ({ request }) => ({ csrfToken: stateOf(request).csrfToken }),
      },
    });
}

export type AuthGates = ReturnType<typeof authGates>;
