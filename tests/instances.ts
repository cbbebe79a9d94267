// Real server processes of `bun run start`'s bundle, as a deployment runs them: their start,
// their clean-up after each test, and a browser that talks to one of them.

import { afterEach, beforeAll } from "bun:test";
import { buildApp, startCommand } from "../scripts/build";
import { type DatabaseUrl, freshDatabaseUrl } from "./databases";
import { Browser, GOOD_PASSWORD, overHttp } from "./helpers";
import { freePort, launch, randomSecret } from "./processes";

/** The public origin in front of every instance: each must be configured with the same one, and the same secret. */
export const PUBLIC_ORIGIN = "http://app.test";
const SECRET = randomSecret();

export type Instance = Awaited<ReturnType<typeof startInstance>>;
const running: { child: Bun.Subprocess }[] = [];
const databases: DatabaseUrl[] = [];

const start = startCommand();

/**
 * The hooks of a test file that starts instances, called at its top level: bun test runs every
 * file in one process and loads this module once, so hooks made here would serve the first file
 * that imports it only, and leave the instances of the others running after it.
 */
export function withInstances(): void {
  // The bundle `bun run start` runs, with its settings and flags: built twice at once, as two
  // instances started together build it, and each build must leave it whole.
  beforeAll(() => Promise.all([buildApp(), buildApp()]));

  afterEach(async () => {
    for (const instance of running.splice(0)) {
      instance.child.kill(9);
      await instance.child.exited;
    }
    for (const database of databases.splice(0)) await database.drop();
  });
}

/** A database of its own for this test, dropped after it. */
export async function newDatabase(): Promise<string> {
  const database = await freshDatabaseUrl();
  databases.push(database);
  return database.url;
}

/**
 * `bun run start`'s command on a free port (or `port`); `browser()` talks to this instance only.
 * A SIGTERM stops it at once unless `env` sets SHUTDOWN_DRAIN_SECONDS.
 */
export async function startInstance(
  databaseUrl: string,
  env: Record<string, string> = {},
  stdout: "ignore" | "pipe" = "ignore",
  port = freePort(),
) {
  const base = `http://127.0.0.1:${port}`;
  const { child } = await launch(
    ["bun", ...start.flags, start.script],
    {
      ...start.env,
      PORT: String(port),
      APP_ORIGIN: PUBLIC_ORIGIN,
      APP_SECRET: SECRET,
      DATABASE_URL: databaseUrl,
      DATABASE_POOL_SIZE: "4",
      SHUTDOWN_DRAIN_SECONDS: "0",
      ...env,
    },
    `${base}/healthz`,
    stdout,
  );
  const instance = { child, base, port, browser: (cookies?: Map<string, string>) => browserAt(base, cookies) };
  running.push(instance);
  return instance;
}

/** A browser that talks to `base` as if it were the public origin. */
export function browserAt(base: string, cookies?: Map<string, string>): Browser {
  const browser = new Browser(overHttp(base), PUBLIC_ORIGIN);
  if (cookies) browser.cookies = new Map(cookies);
  return browser;
}

export async function registerOn(browser: Browser, username: string): Promise<Response> {
  await browser.get("/register");
  return browser.post("/register", { username, password: GOOD_PASSWORD, confirm: GOOD_PASSWORD });
}

export async function passwordOn(browser: Browser, username: string): Promise<Response> {
  await browser.get("/login");
  return browser.post("/login", { username, password: GOOD_PASSWORD });
}

export async function codeOn(browser: Browser, otp: string): Promise<Response> {
  await browser.get("/verify-2fa");
  return browser.post("/verify-2fa", { otp });
}
