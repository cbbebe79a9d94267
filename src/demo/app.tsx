import { Elysia } from "elysia";
import {
  type AuthPolicies,
  type Clock,
  type Database,
  errorPages,
  healthCheck,
  type RequestLogEntry,
  type RequestsInFlight,
  requestLog,
  type SecurityNotice,
  securityHeaders,
  twoFactorAuth,
} from "../index";
import type { Config } from "./config";
import { HomePage } from "./HomePage";
import { smtpMailer } from "./mail";

export type AppDeps = {
  database: Database;
  config: Config;
  clock: Clock;
  /** The benchmark's only: lockouts that never lock, to measure the wrong-code path; never from configuration. */
  policies?: Partial<AuthPolicies>;
  /**
   * The benchmark's only: one host handler twice, at `/bench/guarded` behind `signedIn` and at
   * `/bench/open` without it, to measure what the guard costs a host's route.
   */
  guardBenchmark?: boolean;
  /** Where request log lines go: stdout when serving, nowhere in tests unless a test asks. */
  logRequest?: (entry: RequestLogEntry) => void;
  /** The count of requests being handled, which a stop waits for. */
  inFlight?: RequestsInFlight;
  /** Where security notices go: stdout when serving, a test's list in tests. */
  onSecurityEvent?: (notice: SecurityNotice) => void | Promise<void>;
};

/**
 * The demo app, without `listen`: the auth mounted as any host would mount it, with the
 * app-wide parts around it (headers, error pages, static files, health, the request log, the
 * count of requests in flight) and a home page behind `signedIn`. Tests drive it through
 * `app.handle(request)`.
 */
export function createApp(deps: AppDeps) {
  const { database, config, clock, policies, logRequest, inFlight, guardBenchmark, onSecurityEvent } = deps;
  // The 405s need the routes, known once the app below is built.
  let routes: () => readonly { method: string; path: string }[] = () => [];
  // Bun answers a body over its own limit itself, unseen by the request log; the auth refuses
  // any form over 64 KB without reading it (Bun reads no body a handler leaves), so Bun's is lifted.
  const app = new Elysia({ serve: { maxRequestBodySize: Number.MAX_SAFE_INTEGER } })
    .use(inFlight ? inFlight.plugin : new Elysia())
    .use(logRequest ? requestLog(logRequest) : new Elysia())
    .use(securityHeaders(config))
    .use(errorPages({ appName: config.appName, homePath: "/", routes: () => routes(), origin: config.appOrigin }))
    .use(healthCheck(database, inFlight))
    .use(
      twoFactorAuth({
        database,
        secret: config.appSecret,
        origin: config.appOrigin,
        appName: config.appName,
        ipRateLimit: config.ipRateLimit,
        trustedProxyHeader: config.trustedProxyHeader,
        sessionIdleMs: config.sessionIdleMs,
        sessionAbsoluteMs: config.sessionAbsoluteMs,
        clock,
        policies,
        onSecurityEvent,
        mail: config.smtpUrl ? smtpMailer(config.smtpUrl, config.mailFrom) : undefined,
      }),
    )
    .get(
      "/",
      async ({ twoFactor: { paths, page, passkeyOffer }, request, set, fragment, csrfToken, user, session }) => {
        const content = (
          <HomePage
            paths={paths}
            csrfToken={csrfToken}
            username={user.username}
            recoveryCodesLeft={user.recoveryCodesLeft}
            failedCodesBefore={session.failedCodesBefore}
            usedRecoveryCode={session.usedRecoveryCode}
            appLinked={user.appLinked}
            passkeyOffer={await passkeyOffer(request)}
          />
        );
        return page({ set, fragment, csrfToken }, "Home", content);
      },
      { signedIn: true },
    );
  if (guardBenchmark) {
    const dashboard = () => "Dashboard";
    app.get("/bench/guarded", dashboard, { signedIn: true }).get("/bench/open", dashboard);
  }
  routes = () => app.routes;
  return app;
}
