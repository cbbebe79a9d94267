import { Elysia } from "elysia";
import type { Auth } from "../auth";

/** How long /healthz waits for the database before calling it down. */
const HEALTH_TIMEOUT_MS = 2_000;

/** For load balancers: 200 while this instance's database answers, 503 when it does not. */
export function healthRoutes(auth: Auth) {
  return new Elysia({ name: "health" }).get("/healthz", async ({ set }) => {
    set.headers["content-type"] = "text/plain; charset=utf-8";
    if (await auth.storageAnswers(HEALTH_TIMEOUT_MS)) return "ok\n";
    set.status = 503;
    return "database unreachable\n";
  });
}

/** One request as the log records it: never a query string, header, cookie or body, which may hold secrets. */
export type RequestLogEntry = { time: string; method: string; path: string; status: number; ms: number };

/** Writes one JSON line per answered request. */
export function requestLog(write: (entry: RequestLogEntry) => void) {
  const started = new WeakMap<Request, number>();
  return new Elysia({ name: "request-log" })
    .onRequest(({ request }) => {
      started.set(request, performance.now());
    })
    .onAfterResponse({ as: "global" }, ({ request, set, responseValue }) => {
      const status = responseValue instanceof Response ? responseValue.status : Number(set.status ?? 200);
      write({
        time: new Date().toISOString(),
        method: request.method,
        path: new URL(request.url).pathname,
        status,
        ms: Math.round((performance.now() - (started.get(request) ?? performance.now())) * 10) / 10,
      });
    });
}
