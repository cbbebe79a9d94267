import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { ConfigError, checkedOrigin, checkedSecret, isPostgresUrl } from "../index";

export type Config = {
  port: number;
  /** A SQLite path, or a `postgres://` URL (src/db/database.ts). */
  databaseUrl: string;
  /** PostgreSQL only: the most connections this instance opens. */
  databasePoolSize: number;
  appOrigin: string;
  /** True when APP_ORIGIN is https: cookies get `Secure` and the `__Host-` prefix. */
  secureCookies: boolean;
  appSecret: string;
  appName: string;
  /** Unsafe requests a minute per client IP; 0 turns the budget off. */
  ipRateLimit: number;
  /** A header set by a trusted reverse proxy to the client's IP, or null to use the socket's address. */
  trustedProxyHeader: string | null;
  sessionIdleMs: number;
  sessionAbsoluteMs: number;
  /** How long a SIGTERM keeps serving, with /healthz at 503, before the listener closes. */
  shutdownDrainMs: number;
  /** Where security notices are emailed from, when set: an `smtp://` or `smtps://` URL. */
  smtpUrl: string | null;
  /** The From of those emails. */
  mailFrom: string;
};

const DAY_MS = 24 * 60 * 60 * 1000;

type Env = Record<string, string | undefined>;

/** The part of the configuration that reaches the database, and the session lifetimes. */
function loadDatabaseConfig(
  env: Env,
): Pick<Config, "databaseUrl" | "databasePoolSize" | "sessionIdleMs" | "sessionAbsoluteMs"> {
  const databasePoolSize = parseWholeNumber("DATABASE_POOL_SIZE", env.DATABASE_POOL_SIZE, 10);
  if (databasePoolSize < 1)
    throw new ConfigError(`DATABASE_POOL_SIZE must be at least 1, got "${env.DATABASE_POOL_SIZE}"`);
  return {
    databaseUrl: env.DATABASE_URL || "db/app.sqlite",
    databasePoolSize,
    sessionIdleMs: parseDays("SESSION_IDLE_DAYS", env.SESSION_IDLE_DAYS, 7),
    sessionAbsoluteMs: parseDays("SESSION_ABSOLUTE_DAYS", env.SESSION_ABSOLUTE_DAYS, 30),
  };
}

export function loadConfig(env: Env, mode: "production" | "development"): Config {
  const port = parsePort(env.PORT);
  const appOrigin = checkedOrigin(env.APP_ORIGIN ?? `http://localhost:${port}`, "APP_ORIGIN");
  const database = loadDatabaseConfig(env);
  const { databaseUrl } = database;
  const appSecret = checkedSecret(
    env.APP_SECRET || (mode === "development" ? devSecret(databaseUrl) : ""),
    "APP_SECRET",
  );
  return {
    ...database,
    port,
    appOrigin,
    secureCookies: appOrigin.startsWith("https:"),
    appSecret,
    appName: env.APP_NAME?.trim() || "Two-Factor Auth",
    ipRateLimit: parseWholeNumber("IP_RATE_LIMIT", env.IP_RATE_LIMIT, 60),
    // Trimmed and lower-cased by the plugin, as any host's value is.
    trustedProxyHeader: env.TRUSTED_PROXY_HEADER || null,
    // Long enough for a balancer checking every 2 s to see three failures (HAProxy's defaults),
    // or for Kubernetes to take the pod out of its endpoints; nobody balances `bun run dev`.
    shutdownDrainMs:
      parseWholeNumber("SHUTDOWN_DRAIN_SECONDS", env.SHUTDOWN_DRAIN_SECONDS, mode === "production" ? 10 : 0) * 1000,
    smtpUrl: parseSmtpUrl(env.SMTP_URL),
    mailFrom: env.MAIL_FROM?.trim() || `no-reply@${new URL(appOrigin).hostname}`,
  };
}

function parseWholeNumber(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === "") return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0) throw new ConfigError(`${name} must be a whole number, got "${value}"`);
  return number;
}

function parseDays(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === "") return fallback * DAY_MS;
  const days = Number(value);
  if (!Number.isFinite(days) || days <= 0)
    throw new ConfigError(`${name} must be a number of days above 0, got "${value}"`);
  return days * DAY_MS;
}

function parseSmtpUrl(value: string | undefined): string | null {
  if (!value) return null;
  const protocol = URL.canParse(value) ? new URL(value).protocol : null;
  if (protocol !== "smtp:" && protocol !== "smtps:") {
    throw new ConfigError(
      "SMTP_URL must be an smtp:// or smtps:// URL, such as smtp://user:password@mail.example.com:587",
    );
  }
  return value;
}

function parsePort(value: string | undefined): number {
  if (value === undefined || value === "") return 3000;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new ConfigError(`PORT must be a whole number from 1 to 65535, got "${value}"`);
  }
  return port;
}

/**
 * Development only: one random secret, kept beside the database so that restarts keep
 * sessions and keys. The file is git-ignored and never used by `bun run start`.
 */
function devSecret(databaseUrl: string): string {
  const file = `${databaseUrl === ":memory:" || isPostgresUrl(databaseUrl) ? "db" : dirname(databaseUrl)}/.dev-secret`;
  if (existsSync(file)) {
    console.info(`Using the development-only APP_SECRET in ${file}.`);
    return readFileSync(file, "utf8").trim();
  }
  const secret = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url");
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  console.info(`Made a development-only APP_SECRET in ${file}. Set APP_SECRET yourself in production.`);
  return secret;
}
