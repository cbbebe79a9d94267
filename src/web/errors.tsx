import { type Context, Elysia, type ErrorHandler, status } from "elysia";
import { UnreadableKey } from "../auth";
import { ErrorPage } from "../views/pages/ErrorPage";
import { wantsFragment } from "./fragments";
import { HttpError } from "./http-error";
import { methodNotAllowed, type Route } from "./methods";
import { logUnexpected, pathOf } from "./operations";
import { type PageRenderer, type PageSettings, pageRenderer } from "./respond";
import { unavailableRefusal } from "./unavailable";

const UNREADABLE_KEY_CAUSE =
  "a TOTP key could not be decrypted: the secret (APP_SECRET) is not the one it was sealed with, or its row was altered; the person was offered a recovery code";

/** Our own refusal behind an error, if it is one: Elysia wraps what a body parser throws in a ParseError. */
function refusalOf(error: unknown): HttpError | null {
  if (error instanceof HttpError) return error;
  return error instanceof Error && error.cause instanceof HttpError ? error.cause : null;
}

function describeError(code: string | number, error: unknown, recoveryPath?: string): HttpError {
  const refusal = refusalOf(error);
  if (refusal) return refusal;
  if (error instanceof UnreadableKey) {
    return new HttpError(
      500,
      "Your authenticator app cannot be checked",
      "Something is wrong on our side with the key of your authenticator app. Use a recovery code or a passkey instead; if that fails too, please tell us.",
      {},
      recoveryPath ? { href: recoveryPath, label: "Use a recovery code" } : undefined,
    );
  }
  switch (code) {
    case "NOT_FOUND":
      return new HttpError(404, "Page not found", "There is no page at this address.");
    case "VALIDATION":
    case "PARSE":
      return new HttpError(400, "Bad form", "Some fields were missing or malformed. Reload the page and try again.");
    default:
      return new HttpError(500, "Something went wrong", "Please try again in a moment.");
  }
}

type ErrorContext = { request: Request; set: Context["set"] };
/** What an error hook takes of Elysia's context: named, so Elysia's inference prepares no more (gates/context.ts). */
type ErrorHookContext = Pick<Parameters<ErrorHandler>[0], "code" | "error" | "request" | "set">;

/** Error answers drawn as pages (or fragments, for htmx): the same words wherever they are raised. */
export function errorAnswers(pages: PageRenderer, recoveryPath?: string) {
  const render = async ({ request, set }: ErrorContext, refusal: HttpError) => {
    set.status = refusal.status; // what the request log records
    const fragment = wantsFragment(request.headers);
    const content = (
      <ErrorPage title={refusal.title} message={refusal.message} homePath={pages.homePath} wayOut={refusal.wayOut} />
    );
    const body = await pages.pageMarkup({ fragment }, refusal.title, content);
    const headers = {
      ...pages.securityHeaders,
      ...refusal.headers,
      vary: "HX-Request",
      "cache-control": "no-store",
      "content-type": "text/html; charset=utf-8",
    };
    return { body, headers };
  };

  /**
   * The refusal's page as a Response, which Elysia sends as it is: so it carries what
   * `set.headers` already holds (the app's headers, cookies set so far: each Set-Cookie line its own header).
   */
  const pageResponse = async (ctx: ErrorContext, refusal: HttpError) => {
    const { body, headers } = await render(ctx, refusal);
    const sent = new Headers();
    for (const [name, value] of Object.entries(ctx.set.headers)) {
      for (const each of [value].flat()) sent.append(name, String(each));
    }
    for (const [name, value] of Object.entries(headers)) sent.set(name, value);
    return new Response(body, { status: refusal.status, headers: sent });
  };

  return {
    /** The answer to a refusal from a hook that may short-circuit the request with it. */
    async answer(ctx: ErrorContext, refusal: HttpError) {
      const { body, headers } = await render(ctx, refusal);
      Object.assign(ctx.set.headers, headers);
      return status(refusal.status, body);
    },

    /**
     * For the error hook of a host's guarded route: a 503 page when the database is out of
     * reach or locked by another writer, or hashing is overloaded; any other error is left to the host.
     */
    async onUnavailable({ error, request, set }: ErrorHookContext) {
      const unavailable = unavailableRefusal(error);
      if (!unavailable) return undefined;
      return pageResponse({ request, set }, unavailable);
    },

    /**
     * For `onError`: our refusals, bad forms, 404 and 405, a 503 while the database is out of
     * reach or locked, or hashing is overloaded, and an unexpected error logged and answered 500.
     */
    async onError({ code, error, request, set }: ErrorHookContext, routes?: () => readonly Route[]) {
      const refused =
        code === "NOT_FOUND" && routes
          ? (methodNotAllowed(routes, request.method, pathOf(request.url)) ?? error)
          : error;
      // An outage or an overload is no bug of the request's: it is counted, not logged with a stack.
      const unavailable = unavailableRefusal(error);
      const refusal = unavailable ?? describeError(code, refused, recoveryPath);
      const where = `${request.method} ${pathOf(request.url)}`;
      // The operator's mistake, not a bug: one line that names its likely cause, no stack.
      if (error instanceof UnreadableKey) console.error(`${where}: ${UNREADABLE_KEY_CAUSE}`);
      else if (!unavailable && refusal.status >= 500) logUnexpected(where, error);
      return pageResponse({ request, set }, refusal);
    },
  };
}

export type ErrorPages = ReturnType<typeof errorAnswers>;

const badHost = new HttpError(400, "Bad request", "The Host header of this request is missing or malformed.");

/**
 * App-wide error handling for a host app: 404 (or 405 with `Allow` where the path takes other
 * methods), a 400 for a request whose Host header cannot be parsed, a 503 while the database is
 * out of reach, and any unexpected error logged by type and stack and answered 500, all as
 * pages in the given layout. Pass the app's routes (`() => app.routes`) for the 405s, and its
 * public `origin` to serve HTTP/1.0 requests that name no host (a load balancer's health check).
 */
export function errorPages(settings: PageSettings & { routes?: () => readonly Route[]; origin?: string }) {
  const answers = errorAnswers(pageRenderer(settings));
  // No `return` or `=>` in its source, or Elysia takes it for async (requestsInFlight says why).
  function servedHost(context: { request: Request }) {
    const { request } = context;
    if (!URL.canParse(request.url)) {
      // Bun hands over a request without Host (HTTP/1.0 needs none; Bun itself refuses one of
      // HTTP/1.1) as a bare path: it is served as if it named the app's own host.
      if (settings.origin && request.headers.get("host") === null) {
        context.request = new Request(`${settings.origin}${request.url}`, request);
      } else {
        // A malformed Host makes a URL that cannot be parsed, which would reach every handler
        // half-formed: refuse it, as HTTP/1.1 asks.
        throw badHost;
      }
    }
  }
  return (
    new Elysia({ name: "error-pages", seed: settings })
      .onRequest(servedHost)
      // Errors of every route, and requests no route serves: the app's own concern, so global.
      // A key that does not open is the auth's to answer: its page offers the auth's way out.
      .onError({ as: "global" }, ({ code, error, request, set }) =>
        error instanceof UnreadableKey ? undefined : answers.onError({ code, error, request, set }, settings.routes),
      )
  );
}
