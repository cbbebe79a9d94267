import { html } from "@elysiajs/html";
import { Elysia } from "elysia";
import type { Auth, RequestMeta } from "../auth";
import { constantTimeEqual, deriveKey, hmacBase64url, randomToken } from "../auth/crypto";
import type { NewSession, SessionWithUser } from "../auth/sessions";
import type { NewTrustedBrowser } from "../auth/trusted-browsers";
import type { Clock } from "../clock";
import type { Config } from "../config";
import { waitFor } from "../words";
import { requestMeta } from "./client";
import { HttpError } from "./forms";
import { ipBudget } from "./ip-budget";
import { isSafeMethod, isSameOrigin } from "./security";

/** `__Host-` under https: the browser then insists on Secure, Path=/ and no Domain. */
export function cookieNames(config: Config) {
  const prefix = config.secureCookies ? "__Host-" : "";
  return { session: `${prefix}session`, csrf: `${prefix}csrf`, trustedBrowser: `${prefix}trusted` };
}

/** The step a request's session is at: where it is sent when it asks for another. */
export type Step = "/login" | "/setup-2fa" | "/verify-2fa" | "/";

function stepOf(current: SessionWithUser | null): Step {
  if (!current) return "/login";
  if (current.session.state === "signed_in") return "/";
  return current.user.totpEnabledAt ? "/verify-2fa" : "/setup-2fa";
}

/** An htmx request that wants a fragment: not boosted, not a history restore (those want whole pages). */
export function wantsFragment(headers: Headers): boolean {
  return (
    headers.get("hx-request") === "true" &&
    headers.get("hx-boosted") !== "true" &&
    headers.get("hx-history-restore-request") !== "true"
  );
}

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
 * The context every route shares: the domain, the session behind the cookie, the CSRF
 * token; the checks every unsafe request passes; and the gates that keep each step apart.
 */
export function requestContext(auth: Auth, config: Config, clock: Clock) {
  const names = cookieNames(config);
  const csrfKey = deriveKey(config.appSecret, "csrf");
  const budget = config.ipRateLimit > 0 ? ipBudget(config.ipRateLimit, clock) : null;

  /**
   * What every unsafe request passes, once its step is known to be right (a request at the
   * wrong step changes nothing and is only sent on) and before its fields are validated (a
   * forged or over-budget request learns nothing about them).
   */
  function checkUnsafe({ request, body, csrfTokenMatches, meta }: UnsafeRequest) {
    if (isSafeMethod(request.method)) return;
    if (!isSameOrigin(request.headers, config.appOrigin)) throw forbidden;
    // The form's own field first: it is drawn with the form, so it is never stale.
    const sent = (body as Record<string, unknown> | undefined)?.csrf ?? request.headers.get("x-csrf-token");
    if (!csrfTokenMatches(sent)) throw forbidden;
    const retryAfter = budget?.spend(meta().ip ?? "unknown");
    if (retryAfter) throw tooManyRequests(retryAfter);
  }

  return (
    new Elysia({ name: "request-context" })
      // Pages answer through `html()` explicitly: auto-detection would trim a copy of every page to
      // sniff it, and the layout writes its own doctype.
      .use(html({ contentType: "text/html; charset=utf-8", autoDetect: false, autoDoctype: false }))
      .decorate({ auth, config, clock })
      .derive({ as: "global" }, async (context) => {
        const { request, cookie, server, set } = context;
        const sessionCookie = cookie[names.session];
        const csrfCookie = cookie[names.csrf];
        const trustedCookie = cookie[names.trustedBrowser];
        const sentToken = sessionCookie?.value;
        const sessionToken = typeof sentToken === "string" && sentToken ? sentToken : null;
        const current = sessionToken ? await auth.session(sessionToken) : null;
        if (sessionToken && !current) sessionCookie?.remove();

        // Signed double-submit, bound to the session: the cookie holds a random nonce, and forms
        // carry the HMAC of that nonce and the session cookie, so a token taken from one client
        // or one session is worth nothing in another.
        const sentNonce = csrfCookie?.value;
        const nonce = typeof sentNonce === "string" && sentNonce ? sentNonce : randomToken();
        if (nonce !== sentNonce) csrfCookie?.set({ value: nonce });
        const csrfTokenFor = (nonce: string, sessionToken: string | null) =>
          hmacBase64url(csrfKey, `${nonce}.${sessionToken ?? ""}`);
        // Checked against the session cookie this request came with, even one whose session
        // expired after its page was drawn: signing out of it then signs out, not a 403.
        const expectedCsrfToken = csrfTokenFor(nonce, sessionToken);
        /**
         * A new nonce for the session that follows this answer, as at every step up and at sign-out.
         * The answer's own forms are drawn for it: its token replaces `csrfToken` on the context.
         */
        const renewCsrf = (nextSessionToken: string | null) => {
          const renewed = randomToken();
          csrfCookie?.set({ value: renewed });
          Object.assign(context, { csrfToken: csrfTokenFor(renewed, nextSessionToken) });
        };
        let meta: RequestMeta | undefined;

        return {
          fragment: wantsFragment(request.headers),
          /** Who is asking: worked out only when a handler records it, which pages never do. */
          meta(): RequestMeta {
            meta ??= requestMeta(request, server, config.trustedProxyHeader);
            return meta;
          },
          current,
          /** What this answer's forms carry. */
          csrfToken: csrfTokenFor(nonce, current ? sessionToken : null),
          csrfTokenMatches: (sent: unknown) => typeof sent === "string" && constantTimeEqual(sent, expectedCsrfToken),
          startSession(session: NewSession) {
            sessionCookie?.set({ value: session.token, expires: session.expiresAt });
            renewCsrf(session.token);
          },
          endSession() {
            sessionCookie?.remove();
            renewCsrf(null);
            // Whatever a script may have stored goes too; cookies only when there is no trusted
            // browser to keep, since clearing cookies would also forget this browser's trust.
            set.headers["clear-site-data"] = trustedCookie?.value ? '"storage"' : '"cookies", "storage"';
          },
          trustedBrowserToken: typeof trustedCookie?.value === "string" ? trustedCookie.value : null,
          trustBrowser(browser: NewTrustedBrowser) {
            trustedCookie?.set({ value: browser.token, expires: browser.expiresAt });
          },
        };
      })
      .macro({
        /** Only for people not signed in at all; anyone else is sent to the step they are at. */
        anonymousOnly: {
          transform(ctx) {
            if (ctx.current) throw new WrongStep(stepOf(ctx.current));
            checkUnsafe(ctx);
          },
        },
        /**
         * Only for sessions at one of these steps; anyone else is sent to the step they are at.
         * This is what keeps pending sessions out of every signed-in page.
         */
        sessionAt: (steps: Exclude<Step, "/login">[]) => ({
          transform(ctx) {
            const step = stepOf(ctx.current);
            if (step === "/login" || !steps.includes(step)) throw new WrongStep(step);
            checkUnsafe(ctx);
          },
          resolve({ current }) {
            // The transform above let only a session at one of `steps` through.
            const { session, user } = current as SessionWithUser;
            return { session, user };
          },
        }),
        /** At any step, or none: signing out. */
        anyStep: { transform: checkUnsafe },
      })
  );
}

type UnsafeRequest = {
  request: Request;
  body: unknown;
  csrfTokenMatches: (sent: unknown) => boolean;
  meta: () => RequestMeta;
};

/** A request at another step than its route serves: answered by sending it to `step`. */
export class WrongStep extends Error {
  constructor(readonly step: Step) {
    super(`this request belongs at ${step}`);
  }
}

export type RequestContext = ReturnType<typeof requestContext>;
