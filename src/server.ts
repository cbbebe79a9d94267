import { createApp } from "./app";
import { systemClock } from "./clock";
import { ConfigError, loadConfig } from "./config";
import { openDatabase } from "./db/client";

const mode = process.argv.includes("--dev") ? "development" : "production";

function configOrExit() {
  try {
    return loadConfig(process.env, mode);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`Cannot start: ${error.message}`);
    process.exit(1);
  }
}

const config = configOrExit();
const { db } = openDatabase(config.databaseUrl);
const app = createApp({ db, config, clock: systemClock }).listen({ port: config.port });

// Expired sessions and trusted browsers are refused on sight; this only keeps the table small.
const HOUR = 60 * 60 * 1000;
setInterval(() => app.decorator.auth.deleteExpired(), HOUR).unref();

console.info(
  `${config.appName} (${mode}) listening on ${config.appOrigin}, port ${app.server?.port}, database ${config.databaseUrl}`,
);
