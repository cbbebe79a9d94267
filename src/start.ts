import { type AppDeps, createApp } from "./app";
import { systemClock } from "./clock";
import { ConfigError, loadConfig } from "./config";
import { openDatabase } from "./db/client";

const HOUR = 60 * 60 * 1000;

/** Reads the configuration, opens the database and listens: what `bun run start` and `bun run dev` do. */
export function start(mode: "production" | "development", extra: Pick<AppDeps, "throttlePolicies"> = {}) {
  const config = configOrExit(mode);
  const { db } = openDatabase(config.databaseUrl);
  const app = createApp({ db, config, clock: systemClock, ...extra }).listen({ port: config.port });

  // Expired sessions and trusted browsers are refused on sight; this only keeps the tables small.
  setInterval(() => app.decorator.auth.deleteExpired(), HOUR).unref();

  console.info(
    `${config.appName} (${mode}) listening on ${config.appOrigin}, port ${app.server?.port}, database ${config.databaseUrl}`,
  );
  return app;
}

function configOrExit(mode: "production" | "development") {
  try {
    return loadConfig(process.env, mode);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`Cannot start: ${error.message}`);
    process.exit(1);
  }
}
