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
import { goTo } from "./respond";
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

  return (
    new Elysia({ name: "request-context" })
      // Pages answer through `html()` explicitly: auto-detection would trim a copy of every page to
      // sniff it, and the layout writes its own doctype.
      .use(html({ contentType: "text/html; charset=utf-8", autoDetect: false, autoDoctype: false }))
      .decorate({ auth, config, clock })
      .derive({ as: "global" }, async ({ request, cookie, server }) => {
        const sessionCookie = cookie[names.session];
        const csrfCookie = cookie[names.csrf];
        const trustedCookie = cookie[names.trustedBrowser];
        const token = sessionCookie?.value;
        const current = typeof token === "string" && token ? await auth.session(token) : null;
        if (token && !current) sessionCookie?.remove();

        // Signed double-submit: the cookie holds a random nonce, forms and htmx carry its HMAC.
        const sentNonce = csrfCookie?.value;
        const nonce = typeof sentNonce === "string" && sentNonce ? sentNonce : randomToken();
        if (nonce !== sentNonce) csrfCookie?.set({ value: nonce });
        const csrfToken = hmacBase64url(csrfKey, nonce);
        let meta: RequestMeta | undefined;

        return {
          fragment: wantsFragment(request.headers),
          /** Who is asking: worked out only when a handler records it, which pages never do. */
          meta(): RequestMeta {
            meta ??= requestMeta(request, server, config.trustedProxyHeader);
            return meta;
          },
          current,
          csrfToken,
          startSession(session: NewSession) {
            sessionCookie?.set({ value: session.token, expires: session.expiresAt });
          },
          endSession() {
            sessionCookie?.remove();
          },
          trustedBrowserToken: typeof trustedCookie?.value === "string" ? trustedCookie.value : null,
          trustBrowser(browser: NewTrustedBrowser) {
            trustedCookie?.set({ value: browser.token, expires: browser.expiresAt });
          },
        };
      })
      // Before validation, so a forged or over-budget request learns nothing about its fields.
      .onTransform({ as: "global" }, ({ request, body, csrfToken, meta }) => {
        if (isSafeMethod(request.method)) return;
        if (!isSameOrigin(request.headers, config.appOrigin)) throw forbidden;
        const sent = request.headers.get("x-csrf-token") ?? (body as Record<string, unknown> | undefined)?.csrf;
        if (typeof sent !== "string" || !constantTimeEqual(sent, csrfToken)) throw forbidden;
        const retryAfter = budget?.spend(meta().ip ?? "unknown");
        if (retryAfter) throw tooManyRequests(retryAfter);
      })
      .macro({
        /** Only for people not signed in at all; anyone else is sent to the step they are at. */
        anonymousOnly: {
          resolve(ctx) {
            if (ctx.current) return goTo(ctx, stepOf(ctx.current));
          },
        },
        /**
         * Only for sessions at one of these steps; anyone else is sent to the step they are at.
         * This is what keeps pending sessions out of every signed-in page.
         */
        sessionAt: (steps: Exclude<Step, "/login">[]) => ({
          resolve(ctx) {
            const step = stepOf(ctx.current);
            if (!ctx.current || step === "/login" || !steps.includes(step)) return goTo(ctx, step);
            return { session: ctx.current.session, user: ctx.current.user };
          },
        }),
      })
  );
}

export type RequestContext = ReturnType<typeof requestContext>;
