import { status } from "elysia";
import { confirmedWithin, type Step, stepOf } from "../../auth";
import { type AuthPaths, pathOfStep } from "../../paths";
import { waitFor } from "../../words";
import type { AuthCookies } from "../cookies";
import type { ErrorPages } from "../errors";
import { wantsFragment } from "../fragments";
import { HttpError } from "../http-error";
import { ipBudget } from "../ip-budget";
import { goTo } from "../respond";
import { returnPathOf } from "../return-path";
import { isSafeMethod, isSameOrigin } from "../security";
import type { GateContext } from "./context";
import type { Visit } from "./visit";

export type AdmissionSettings = {
  paths: AuthPaths;
  cookies: AuthCookies;
  errors: ErrorPages;
  appOrigin: string;
  /** Unsafe requests a minute per client IP on the auth's own forms; 0 for none. */
  ipRateLimit: number;
  clock: () => number;
};

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
 * Who may go on, given a request's visit: its step, its origin, its CSRF token and its IP's
 * budget. Each check answers the request itself when it refuses it, and returns null to let it in.
 */
export function admissions({ paths, cookies, errors, appOrigin, ipRateLimit, clock }: AdmissionSettings) {
  const budget = ipRateLimit > 0 ? ipBudget(ipRateLimit, clock) : null;

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

  /** The refusal of an unsafe request from another site; null when it may go on. */
  function crossSite({ request }: GateContext): HttpError | null {
    return isSafeMethod(request.method) || isSameOrigin(request.headers, appOrigin) ? null : forbidden;
  }

  /** The refusal of an unsafe request from another site or without the right token; null when it may go on. */
  function forgery(ctx: GateContext, visit: Visit): HttpError | null {
    const { request, body } = ctx;
    if (isSafeMethod(request.method)) return null;
    if (crossSite(ctx)) return forbidden;
    // The form's own field first: it is drawn with the form, so it is never stale.
    const token = (body as Record<string, unknown> | undefined)?.csrf ?? request.headers.get("x-csrf-token");
    return visit.csrfTokenMatches(token) ? null : forbidden;
  }

  function overBudget({ request }: GateContext, visit: Visit): HttpError | null {
    if (!budget || isSafeMethod(request.method)) return null;
    const retryAfter = budget.spend(visit.meta().ip ?? "unknown");
    return retryAfter ? tooManyRequests(retryAfter) : null;
  }

  return {
    /**
     * The gate of the auth's own routes. The step comes first (a request at the wrong step
     * changes nothing and is only sent on), then the token and the per-IP budget, and only
     * then are the fields validated: a forged or over-budget request learns nothing about them.
     */
    ownRoute(ctx: GateContext, visit: Visit | null, serves: (step: Step) => boolean) {
      if (!visit) return restartSignIn(ctx);
      const step = stepOf(visit.current);
      if (!serves(step)) return sendTo(ctx, step);
      const refused = forgery(ctx, visit) ?? overBudget(ctx, visit);
      return refused ? errors.answer(ctx, refused) : null;
    },

    /**
     * A host's signed-in route: a fully signed-in session, and an unsafe request only from this
     * origin. With `freshMs`, a second factor given within it, or else a stop at the confirm page.
     */
    signedIn(ctx: GateContext, visit: Visit | null, freshMs: number | null) {
      if (!visit) return restartSignIn(ctx);
      const step = stepOf(visit.current);
      if (step !== "signed_in") return sendTo(ctx, step);
      const refused = crossSite(ctx);
      if (refused) return errors.answer(ctx, refused);
      if (freshMs === null || confirmedWithin(visit.session, freshMs, clock())) return null;
      const back = returnPathOf(ctx.request, appOrigin, paths.home);
      return goTo(visit, `${paths.confirm}?return=${encodeURIComponent(back)}`);
    },

    /** A host's form: an unsafe request from this origin with the auth's CSRF token. */
    form(ctx: GateContext, visit: Visit | null) {
      if (!visit) return restartSignIn(ctx);
      const refused = forgery(ctx, visit);
      return refused ? errors.answer(ctx, refused) : null;
    },
  };
}
