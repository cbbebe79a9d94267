import { type Context, Elysia, StatusMap } from "elysia";
import { databaseOutage } from "./unavailable";

/** How long /healthz waits for the database before calling it down. */
const HEALTH_TIMEOUT_MS = 2_000;

/**
 * For load balancers: `/healthz` is 200 while this instance's database answers, 503 when it
 * does not, and 503 once the instance is draining (`inFlight.startDraining()`), so that a
 * balancer stops sending it requests before it stops. GET, HEAD and OPTIONS alike: HAProxy's
 * `option httpchk` sends OPTIONS unless told otherwise.
 */
export function healthCheck(
  database: { answers(timeoutMs: number): Promise<boolean> },
  inFlight?: Pick<RequestsInFlight, "draining">,
) {
  const health = async ({ set }: Pick<Context, "set">) => {
    set.headers["content-type"] = "text/plain; charset=utf-8";
    set.headers["cache-control"] = "no-store";
    if (inFlight?.draining) {
      set.status = 503;
      return "stopping\n";
    }
    if (await database.answers(HEALTH_TIMEOUT_MS)) {
      databaseOutage.answered();
      return "ok\n";
    }
    set.status = 503;
    return "database unreachable\n";
  };
  return new Elysia({ name: "health" }).get("/healthz", health).options("/healthz", (context) => {
    context.set.headers.allow = "GET, HEAD, OPTIONS";
    return health(context);
  });
}

/**
 * The requests being handled, from the route's first hook to the answer, and the drain before
 * a stop. A stop waits for them, as the server's own stop does not for one whose client has
 * gone: its handler may still be hashing or writing, and closing the database under it would
 * cut that work off. While draining, every answer says `Connection: close`, so no kept-alive
 * connection is left for the stop to cut with a request on its way.
 */
export function requestsInFlight() {
  type Counted = { counted?: true };
  let handling = 0;
  let idle: PromiseWithResolvers<void> | undefined;
  let draining = false;
  // Elysia awaits a hook whose source has `return` or `=>` before a call, and one awaited onRequest
  // hook makes every request's entry async: the app's are synchronous, and written so Elysia sees it.
  function closeWhenDraining({ set }: Pick<Context, "set">) {
    if (draining) set.headers.connection = "close";
  }
  const plugin = new Elysia({ name: "requests-in-flight" })
    .onRequest(closeWhenDraining)
    // Counted once routed, not in onRequest: Elysia runs no after-response hook for a request
    // an onRequest hook answers, which would then stay counted for good.
    .onTransform({ as: "global" }, (context) => {
      (context as Counted).counted = true;
      handling++;
    })
    // Only a request counted above: a 404 or a refused Host has its after-response hook too.
    .onAfterResponse({ as: "global" }, (context) => {
      if (!(context as Counted).counted) return;
      handling--;
      if (handling > 0 || !idle) return;
      idle.resolve();
      idle = undefined;
    });
  return {
    plugin,
    /** Resolves once no request is being handled. */
    idle(): Promise<void> {
      if (handling === 0) return Promise.resolve();
      idle ??= Promise.withResolvers<void>();
      return idle.promise;
    },
    /** From now on /healthz answers 503 and every answer closes its connection; requests are still served. */
    startDraining(): void {
      draining = true;
    },
    get draining(): boolean {
      return draining;
    },
  };
}

export type RequestsInFlight = ReturnType<typeof requestsInFlight>;

/** One request as the log records it: never a query string, header, cookie or body, which may hold secrets. */
export type RequestLogEntry = { time: string; method: string; path: string; status: number; ms: number };

/**
 * Writes one JSON line per answered request. It runs after the answer has left, outside any
 * handler: whatever goes wrong in it is reported, never thrown, or it would end the process.
 */
export function requestLog(write: (entry: RequestLogEntry) => void, report = logUnexpected) {
  // Thousands of lines a second share a millisecond: its ISO time is worked out once.
  let lastMs = 0;
  let lastTime = "";
  const timeNow = () => {
    const now = Date.now();
    if (now !== lastMs) {
      lastMs = now;
      lastTime = new Date(now).toISOString();
    }
    return lastTime;
  };
  /** What the log reads of a request's context, with the time its first hook put there. */
  type Answered = { request: Request; set: Context["set"]; responseValue: unknown; startedAt?: number };
  const logAnswer = ({ request, set, responseValue, startedAt }: Answered) => {
    try {
      write({
        time: timeNow(),
        method: request.method,
        path: pathOf(request.url),
        status: sentStatus(responseValue, set.status),
        ms: Math.round((performance.now() - (startedAt ?? performance.now())) * 10) / 10,
      });
    } catch (error) {
      report(`the request log of ${request.method} ${pathOf(request.url)}`, error);
    }
  };
  // On the context itself, which every hook of the request shares; synchronous as Elysia sees it
  // (requestsInFlight says why).
  function markStart(context: object) {
    (context as { startedAt?: number }).startedAt = performance.now();
  }
  return new Elysia({ name: "request-log" }).onRequest(markStart).onAfterResponse({ as: "global" }, logAnswer);
}

/**
 * The status the client received. Elysia sends a Response's own status unless it is 200, and
 * then `set.status`: an error page's Response carries its own.
 */
function sentStatus(answer: unknown, status: number | keyof typeof StatusMap | undefined): number {
  if (answer instanceof Response && answer.status !== 200) return answer.status;
  if (typeof status === "number") return status;
  return status === undefined ? 200 : StatusMap[status];
}

/**
 * Lines for a stream, written in batches: one write a few milliseconds (or each `batchChars`
 * characters) rather than one a request. `flush` writes what is waiting, as a stop must before
 * it exits; a killed process loses at most the last `delayMs` of lines.
 */
export function batchedLines(write: (chunk: Uint8Array) => void, delayMs = 20, batchChars = 64 * 1024) {
  const encoder = new TextEncoder();
  let waiting: string[] = [];
  let size = 0;
  let timer: Timer | undefined;
  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    if (waiting.length === 0) return;
    const text = `${waiting.join("\n")}\n`;
    waiting = [];
    size = 0;
    write(encoder.encode(text));
  };
  return {
    line(text: string) {
      waiting.push(text);
      size += text.length + 1;
      if (size >= batchChars) flush();
      else timer ??= setTimeout(flush, delayMs);
    },
    flush,
  };
}

/**
 * The path of a request's URL. When the Host header is missing or malformed, Bun hands over a
 * bare path, or a URL that `new URL` rejects; neither may make logging throw.
 */
export function pathOf(url: string): string {
  const scheme = url.startsWith("/") ? -1 : url.indexOf("://");
  const start = scheme === -1 ? 0 : url.indexOf("/", scheme + 3);
  if (start === -1) return "/";
  const query = url.indexOf("?", start);
  return query === -1 ? url.slice(start) : url.slice(start, query);
}

/**
 * An error no code expected: its type and where it was thrown, on stderr. Never its message:
 * a failed query's message carries its parameters, and a thrown value may carry a password.
 */
export function logUnexpected(what: string, error: unknown): void {
  const name = error instanceof Error ? error.name : typeof error;
  const stack = error instanceof Error ? (error.stack ?? "") : "";
  const frames = stack.split("\n").filter((line) => /^\s+at /.test(line));
  console.error([`${what} failed with ${name}`, ...frames.slice(0, 8)].join("\n"));
}

/**
 * The last line of defence for a server: an error thrown where no handler catches it (a
 * hook that runs after the answer, a timer) is logged, and the process goes on serving.
 */
export function keepServingThroughUncaughtErrors(report = logUnexpected): void {
  process.on("uncaughtException", (error) => report("code outside any request", error));
  process.on("unhandledRejection", (reason) => report("a promise nobody awaited", reason));
}
