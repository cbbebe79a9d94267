import { Elysia } from "elysia";
import { createAuth } from "./auth";
import { deriveKey } from "./auth/crypto";
import type { ThrottlePolicies } from "./auth/proofs";
import type { Clock } from "./clock";
import type { Config } from "./config";
import type { Database } from "./db/database";
import { ErrorPage } from "./views/pages/ErrorPage";
import { staticAssets } from "./web/assets";
import { cookieNames, requestContext, WrongStep, wantsFragment } from "./web/context";
import { HttpError, MAX_BODY_BYTES, readForm } from "./web/forms";
import { methodNotAllowed } from "./web/methods";
import { healthRoutes, logUnexpected, pathOf, type RequestLogEntry, requestLog } from "./web/operations";
import { goTo, pageMarkup } from "./web/respond";
import { accountRoutes } from "./web/routes/account";
import { homeRoutes } from "./web/routes/home";
import { loginRoutes } from "./web/routes/login";
import { registerRoutes } from "./web/routes/register";
import { twoFactorRoutes } from "./web/routes/two-factor";
import { securityHeaders } from "./web/security";

export type AppDeps = {
  database: Database;
  config: Config;
  clock: Clock;
  throttlePolicies?: ThrottlePolicies;
  /** Where request log lines go: stdout when serving, nowhere in tests unless a test asks. */
  logRequest?: (entry: RequestLogEntry) => void;
};

/** The whole app without `listen`, so tests drive it through `app.handle(request)`. */
export function createApp({ database, config, clock, throttlePolicies, logRequest }: AppDeps) {
  const auth = createAuth({
    database,
    clock,
    appName: config.appName,
    appSecret: config.appSecret,
    sessionLifetime: { idleMs: config.sessionIdleMs, absoluteMs: config.sessionAbsoluteMs },
    throttlePolicies,
  });
  const names = cookieNames(config);
  const headers = securityHeaders(config);
  const context = requestContext(auth, config, clock);

  const notAllowed = methodNotAllowed(() => app.routes);

  const app = new Elysia({
    cookie: {
      secrets: deriveKey(config.appSecret, "cookie-signing").toString("base64url"),
      // The CSRF cookie is not signed: its nonce is only worth something with the HMAC the
      // server derives from it, and signing it would cost every anonymous page a WebCrypto call.
      sign: [names.session, names.trustedBrowser],
      httpOnly: true,
      sameSite: "lax",
      secure: config.secureCookies,
      path: "/",
    },
    serve: { maxRequestBodySize: MAX_BODY_BYTES },
  })
    .decorate({ auth })
    .use(logRequest ? requestLog(logRequest) : new Elysia())
    .error({ HttpError })
    .onRequest(({ request, set }) => {
      Object.assign(set.headers, headers);
      // Bun serves a request whose Host is missing or malformed with a URL that cannot be
      // parsed, which would reach every handler half-formed: refuse it, as HTTP/1.1 asks.
      if (!URL.canParse(request.url)) throw badHost;
    })
    .onError(async ({ code, error, request, set }) => {
      // Error answers are built here, outside Elysia's mapping; `set.status` tells the request log.
      if (code === "INVALID_COOKIE_SIGNATURE") {
        const restart = restartSignIn(request, config, headers);
        set.status = restart.status;
        return restart;
      }
      const fragment = wantsFragment(request.headers);
      if (error instanceof WrongStep) {
        set.status = fragment ? 200 : 303;
        return goTo({ set, fragment }, error.step);
      }
      const refused = code === "NOT_FOUND" ? (notAllowed(request.method, pathOf(request.url)) ?? error) : error;
      const { status, title, message } = describeError(code, refused);
      set.status = status;
      if (status >= 500) logUnexpected(`${request.method} ${pathOf(request.url)}`, error);
      const body = await pageMarkup({ fragment, config }, title, <ErrorPage title={title} message={message} />);
      return new Response(body, {
        status,
        headers: {
          ...headers,
          ...refusalHeaders(refused),
          vary: "HX-Request",
          "content-type": "text/html; charset=utf-8",
        },
      });
    })
    .use(staticAssets())
    .use(healthRoutes(auth))
    .onParse({ as: "global" }, ({ request }) => readForm(request))
    .use(context)
    .use(registerRoutes(context))
    .use(loginRoutes(context))
    .use(twoFactorRoutes(context))
    .use(homeRoutes(context))
    .use(accountRoutes(context));
  return app;
}

const badHost = new HttpError(400, "Bad request", "The Host header of this request is missing or malformed.");

/** Our own refusal behind an error, if it is one: Elysia wraps what a body parser throws in a ParseError. */
function refusalOf(error: unknown): HttpError | null {
  if (error instanceof HttpError) return error;
  return error instanceof Error && error.cause instanceof HttpError ? error.cause : null;
}

function refusalHeaders(error: unknown): Record<string, string> {
  return refusalOf(error)?.headers ?? {};
}

function describeError(code: string | number, error: unknown): { status: number; title: string; message: string } {
  const refusal = refusalOf(error);
  if (refusal) return { status: refusal.status, title: refusal.title, message: refusal.message };
  switch (code) {
    case "NOT_FOUND":
      return { status: 404, title: "Page not found", message: "There is no page at this address." };
    case "VALIDATION":
    case "PARSE":
      return {
        status: 400,
        title: "Bad form",
        message: "Some fields were missing or malformed. Reload the page and try again.",
      };
    default:
      return { status: 500, title: "Something went wrong", message: "Please try again in a moment." };
  }
}

/** A cookie signed with another secret (forged, or from before a rotation): forget it and start over. */
function restartSignIn(request: Request, config: Config, headers: Record<string, string>): Response {
  const response = wantsFragment(request.headers)
    ? new Response(null, { status: 200, headers: { ...headers, "hx-redirect": "/login" } })
    : new Response(null, { status: 303, headers: { ...headers, location: "/login" } });
  const secure = config.secureCookies ? "; Secure" : "";
  for (const name of Object.values(cookieNames(config))) {
    response.headers.append("set-cookie", `${name}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax${secure}`);
  }
  return response;
}
