import { Elysia } from "elysia";
import type { Auth } from "../auth";
import { constantTimeEqual, deriveKey, hmacBase64url, randomToken } from "../auth/crypto";
import type { NewSession, SessionWithUser } from "../auth/sessions";
import type { Clock } from "../clock";
import type { Config } from "../config";
import { requestMeta } from "./client";
import { goTo } from "./respond";

/** `__Host-` under https: the browser then insists on Secure, Path=/ and no Domain. */
export function cookieNames(config: Config) {
  const prefix = config.secureCookies ? "__Host-" : "";
  return { session: `${prefix}session`, csrf: `${prefix}csrf` };
}

/** The step a request's session is at: where it is sent when it asks for another. */
export type Step = "/login" | "/setup-2fa" | "/verify-2fa" | "/";

export function stepOf(current: SessionWithUser | null): Step {
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

/** The context every route shares: the domain, the session behind the cookie, and the CSRF token. */
export function requestContext(auth: Auth, config: Config, clock: Clock) {
  const names = cookieNames(config);
  const csrfKey = deriveKey(config.appSecret, "csrf");

  return new Elysia({ name: "request-context" })
    .decorate({ auth, config, clock })
    .derive({ as: "global" }, async ({ request, cookie, server }) => {
      const sessionCookie = cookie[names.session];
      const csrfCookie = cookie[names.csrf];
      const token = sessionCookie?.value;
      const current = typeof token === "string" && token ? await auth.session(token) : null;
      if (token && !current) sessionCookie?.remove();

      // Signed double-submit: the cookie holds a random nonce, forms and htmx carry its HMAC.
      const sentNonce = csrfCookie?.value;
      const nonce = typeof sentNonce === "string" && sentNonce ? sentNonce : randomToken();
      if (nonce !== sentNonce) csrfCookie?.set({ value: nonce });
      const csrfToken = hmacBase64url(csrfKey, nonce);

      return {
        fragment: wantsFragment(request.headers),
        meta: requestMeta(request, server, config.trustedProxyHeader),
        current,
        csrfToken,
        csrfTokenMatches: (sent: unknown) => typeof sent === "string" && constantTimeEqual(sent, csrfToken),
        startSession(session: NewSession) {
          sessionCookie?.set({ value: session.token, expires: session.expiresAt });
        },
        endSession() {
          sessionCookie?.remove();
        },
      };
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
    });
}

export type RequestContext = ReturnType<typeof requestContext>;
