import {
  batchedLines,
  ConfigError,
  type Database,
  keepServingThroughUncaughtErrors,
  openDatabase,
  requestsInFlight,
  systemClock,
  withoutCredentials,
} from "../index";
import { type AppDeps, createApp } from "./app";
import { loadConfig } from "./config";

/** How long a SIGTERM waits for in-flight requests before it closes their connections anyway. */
const SHUTDOWN_GRACE_MS = 10_000;

/**
 * JSON lines on stdout, in batches: the request log, and what the process itself does. Bun's
 * own writer keeps their order when the pipe is full, without loading Node's stream modules.
 */
const stdout = Bun.stdout.writer();
const stdoutLines = batchedLines((chunk) => {
  stdout.write(chunk);
  stdout.flush();
});
const logLine = (entry: Record<string, unknown>) => stdoutLines.line(JSON.stringify(entry));
/** What the process itself does is written at once, after the request lines before it. */
const logMessage = (message: string) => {
  logLine({ time: new Date().toISOString(), message });
  stdoutLines.flush();
};

/**
 * Reads the configuration, opens the database and listens: what `bun run start` and `bun run dev`
 * do. SIGTERM first drains (/healthz at 503 while requests are still served, so a balancer
 * stops sending any), then stops taking connections, lets the requests in flight finish, closes
 * the database and exits 0: instances can be rolled without failing a request.
 */
export async function start(
  mode: "production" | "development",
  extra: Pick<AppDeps, "policies" | "guardBenchmark"> = {},
) {
  const config = orExit(() => loadConfig(process.env, mode));
  const database = await openDatabase(config.databaseUrl, { poolSize: config.databasePoolSize }).catch(
    (error: unknown) =>
      exit(`cannot open the database at ${withoutCredentials(config.databaseUrl)}: ${describe(error)}`),
  );
  const inFlight = requestsInFlight();
  const app = createApp({
    database,
    config,
    clock: systemClock,
    logRequest: logLine,
    inFlight,
    // What a real host would send by email or push: here, a JSON line an operator can follow.
    onSecurityEvent: (notice) => logLine({ time: notice.at, securityNotice: notice }),
    ...extra,
  });
  try {
    // Elysia asks for SO_REUSEPORT, with which a second instance on this port would start
    // silently and take half the connections, on a database of its own. Refuse instead.
    app.listen({ port: config.port, reusePort: false });
  } catch (error) {
    await closeQuietly(database);
    exit(
      isPortInUse(error)
        ? `port ${config.port} is already in use`
        : `cannot listen on port ${config.port}: ${describe(error)}`,
    );
  }
  keepServingThroughUncaughtErrors();

  logMessage(
    `${config.appName} (${mode}) listening on ${config.appOrigin}, port ${app.server?.port}, database ${database.description}`,
  );

  let stopping = false;
  const drainCut = Promise.withResolvers<void>();
  const stop = async (signal: string) => {
    // A second signal cuts the drain short; the requests in flight are still finished.
    if (stopping) return drainCut.resolve();
    stopping = true;
    // Ctrl-C is a person at a terminal, not a balancer's roll: no drain.
    const drainMs = signal === "SIGTERM" ? config.shutdownDrainMs : 0;
    if (drainMs > 0) {
      logMessage(
        `${signal}: draining for ${drainMs / 1000} s (/healthz answers 503, every answer closes its connection)`,
      );
      inFlight.startDraining();
      await Promise.race([Bun.sleep(drainMs), drainCut.promise]);
    }
    logMessage(`${signal}: finishing the requests in flight, then stopping`);
    // At the end of the grace, the connections still open are closed, and the stop goes on.
    const graceOver = Bun.sleep(SHUTDOWN_GRACE_MS).then(() => app.server?.stop(true));
    await app.stop();
    // The server is done with requests whose client has gone; their handlers may not be.
    await Promise.race([inFlight.idle(), graceOver]);
    // Elysia logs each answer on the next turn of the event loop; let the last ones through.
    await new Promise((resolve) => setImmediate(resolve));
    await closeQuietly(database);
    logMessage("stopped");
    await stdout.end();
    process.exit(0);
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
  return app;
}

async function closeQuietly(database: Database) {
  await database.close().catch((error: unknown) => logMessage(`closing the database failed: ${describe(error)}`));
}

const isPortInUse = (error: unknown) => (error as { code?: unknown } | null)?.code === "EADDRINUSE";

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

function exit(message: string): never {
  console.error(`Cannot start: ${message}`);
  process.exit(1);
}

function orExit<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    exit(error.message);
  }
}
