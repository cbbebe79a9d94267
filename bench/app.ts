// What the benchmark and its A/B comparison share: a server started as `bun run start` starts the
// app, and the app's benchmark user, signed in.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildServer, startCommand } from "../scripts/build";
import { codeAt } from "../src/auth/factors/totp";
import { freshDatabaseUrl } from "../tests/databases";
import { Browser, overHttp, readKey, register } from "../tests/helpers";
import { freePort, launch, randomSecret } from "../tests/processes";
import { onCores } from "./wrk";

export const PASSWORD = "correct horse battery staple";
const start = startCommand();

/** The benchmark's server of the project in `folder`, bundled as `bun run build` bundles the app's. */
export const buildBenchServer = (folder: string) =>
  buildServer(join(folder, "bench/server.ts"), join(folder, "dist/bench"));

/** A script under Bun's flags (`--smol` for the references), on `cores` when given, once it answers `path`. */
async function launchScript(
  script: string,
  env: Record<string, string>,
  path: string,
  { flags = ["--smol"], cores }: { flags?: string[]; cores?: string } = {},
) {
  const url = `http://localhost:${env.PORT}${path}`;
  return { url, ...(await launch(onCores(cores, ["bun", ...flags, script]), env, url)) };
}

/** A bundled benchmark server as `bun run start` runs the app, with the benchmark's own settings on top. */
export const launchBundle = (bundle: string, env: Record<string, string>, cores?: string) =>
  launchScript(bundle, { ...start.env, ...env }, "/login", { flags: start.flags, cores });

/**
 * The bundle on a fresh database (a SQLite file, or with TEST_DATABASE_URL, a new PostgreSQL
 * database on that server), with its user `bench` registered and signed in with a code.
 */
export async function launchAppWithUser(bundle: string, cores?: string) {
  const database = await freshDatabaseUrl();
  const port = String(freePort());
  const origin = `http://localhost:${port}`;
  const env = {
    NODE_ENV: "production",
    PORT: port,
    APP_ORIGIN: origin,
    APP_SECRET: randomSecret(),
    DATABASE_URL: database.url,
    IP_RATE_LIMIT: "0",
    SHUTDOWN_DRAIN_SECONDS: "0", // no balancer to wait for
  };
  const app = await launchBundle(bundle, env, cores);
  const browser = () => new Browser(overHttp(origin), origin);
  const owner = browser();
  await register(owner, "bench", PASSWORD);
  const key = await readKey(owner);
  await owner.get("/verify-2fa");
  await owner.post("/verify-2fa", { otp: codeAt(key, Date.now()) });
  if ((await owner.get("/")).status !== 200) throw new Error("could not sign in");
  // The home page as it is after the first minutes, without the passkey offer a new sign-in shows.
  if ((await owner.post("/account/passkey-offer/never", {})).status !== 303) throw new Error("the offer stayed");
  return { app, env, origin, database, browser, owner, key };
}

/**
 * A reference server (`bench/bare.ts`, `bench/elysia.ts`) answering the very bytes and headers of
 * the app at `origin`'s GET /login, written to `dir` for it; on `cores` when given.
 */
export async function launchReference(script: string, origin: string, dir: string, cores?: string) {
  const login = await fetch(`${origin}/login`);
  const answer = join(dir, "login.json");
  writeFileSync(answer, JSON.stringify({ body: await login.text(), headers: Object.fromEntries(login.headers) }));
  return launchScript(script, { PORT: String(freePort()), BARE_RESPONSE: answer }, "/", { cores });
}

/** What a browser sends as its Cookie header. */
export const cookieHeader = (browser: Browser) =>
  [...browser.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
