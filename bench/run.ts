// bun run bench: the app in production mode against a bare Bun.serve, driven by autocannon.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";
import { parseHTML } from "linkedom";
import { codeAt } from "../src/auth/totp";
import { backend, freshDatabaseUrl } from "../tests/databases";
import { freePort, launch, randomSecret } from "../tests/processes";

const CONNECTIONS = 50;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WARMUP_SECONDS = 2;
const SIGN_INS_AT_ONCE = 8;
const PASSWORD = "correct horse battery staple";
const root = join(import.meta.dir, "..");
const dir = mkdtempSync(join(tmpdir(), "bun-2fa-bench-"));

/** This project's script under `bun --smol`, as `bun run start` runs the app, once it answers `path`. */
async function launchScript(script: string, env: Record<string, string>, path: string) {
  const url = `http://localhost:${env.PORT}${path}`;
  return { url, ...(await launch(["bun", "--smol", script], env, url)) };
}

/** A figure from /proc/<pid>/status in MB (Linux): VmHWM is the peak resident set, RssAnon the private part now. */
function memoryMb(pid: number, field: "VmHWM" | "RssAnon"): number {
  const kb = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
  return Number(kb) / 1024;
}

/** The highest private memory seen while sampling: what the app itself holds, without Bun's shared code pages. */
function privateMemorySampler(pid: number) {
  let peak = 0;
  const timer = setInterval(() => {
    peak = Math.max(peak, memoryMb(pid, "RssAnon"));
  }, 50);
  return {
    stop() {
      clearInterval(timer);
      return peak;
    },
  };
}

/** A cookie jar of one: enough to walk through the app as a browser would. */
class Client {
  cookies = new Map<string, string>();
  csrf = "";
  constructor(readonly origin: string) {}

  get cookieHeader() {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  }

  async send(method: string, path: string, form?: Record<string, string>) {
    const response = await fetch(`${this.origin}${path}`, {
      method,
      redirect: "manual",
      headers: {
        cookie: this.cookieHeader,
        origin: this.origin,
        ...(form ? { "content-type": "application/x-www-form-urlencoded" } : {}),
      },
      body: form ? new URLSearchParams({ csrf: this.csrf, ...form }).toString() : undefined,
    });
    for (const header of response.headers.getSetCookie()) {
      const [name = "", value = ""] = (header.split(";")[0] ?? "").split(/=(.*)/s);
      if (value) this.cookies.set(name, value);
      else this.cookies.delete(name);
    }
    const html = await response.text();
    const page = parseHTML(`<!doctype html><html><body>${html}</body></html>`).document;
    this.csrf = page.querySelector("input[name=csrf]")?.getAttribute("value") ?? this.csrf;
    return { response, page };
  }
}

type Case = { name: string; options: autocannon.Options };
type Row = { name: string; rps: number; p50: number; p99: number; ratio?: number; bad: number };

async function measure({ options }: Case): Promise<autocannon.Result> {
  await autocannon({ ...options, duration: WARMUP_SECONDS });
  return autocannon({ ...options, duration: SECONDS });
}

/** A case's line; `bad` counts errors, timeouts and every answer but the expected status. */
function rowOf(name: string, result: autocannon.Result, expected = 200): Row {
  const unexpected = Object.entries(result.statusCodeStats ?? {})
    .filter(([status]) => Number(status) !== expected)
    .reduce((sum, [, stats]) => sum + (stats.count ?? 0), 0);
  return {
    name,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    bad: result.errors + result.timeouts + unexpected,
  };
}

// The app, on a fresh database (a SQLite file, or with TEST_DATABASE_URL, a new PostgreSQL
// database on that server), with a user to sign in as.
const database = await freshDatabaseUrl();
const appPort = String(freePort());
const app = await launchScript(
  "bench/server.ts",
  {
    NODE_ENV: "production",
    PORT: appPort,
    APP_ORIGIN: `http://localhost:${appPort}`,
    APP_SECRET: randomSecret(),
    DATABASE_URL: database.url,
    IP_RATE_LIMIT: "0",
  },
  "/login",
);
const origin = `http://localhost:${appPort}`;

const owner = new Client(origin);
await owner.send("GET", "/register");
await owner.send("POST", "/register", { username: "bench", password: PASSWORD, confirm: PASSWORD });
const { page: setup } = await owner.send("GET", "/setup-2fa");
const key = setup.querySelector(".totp-key")?.textContent?.replace(/\s/g, "") ?? "";
await owner.send("POST", "/verify-2fa", { otp: codeAt(key, Date.now()) });
if ((await owner.send("GET", "/")).response.status !== 200) throw new Error("could not sign in");

const pending = new Client(origin);
await pending.send("GET", "/login");
await pending.send("POST", "/login", { username: "bench", password: PASSWORD });
await pending.send("GET", "/verify-2fa"); // its form carries the CSRF token of the pending session
const wrongCode = String((Number(codeAt(key, Date.now())) + 500_000) % 1_000_000).padStart(6, "0");

const signingIn = new Client(origin);
await signingIn.send("GET", "/login");
const form = (fields: Record<string, string>, client: Client): autocannon.Options => ({
  url: "",
  method: "POST",
  headers: { cookie: client.cookieHeader, origin, "content-type": "application/x-www-form-urlencoded" },
  body: new URLSearchParams({ csrf: client.csrf, ...fields }).toString(),
});

// The bare server answers with the very bytes and headers of GET /login.
const login = await fetch(`${origin}/login`);
const loginHeaders = Object.fromEntries(login.headers);
writeFileSync(join(dir, "login.json"), JSON.stringify({ body: await login.text(), headers: loginHeaders }));
const barePort = String(freePort());
const bare = await launchScript("bench/bare.ts", { PORT: barePort, BARE_RESPONSE: join(dir, "login.json") }, "/");

const appPrivate = privateMemorySampler(app.child.pid);
const barePrivate = privateMemorySampler(bare.child.pid);

const cases: Case[] = [
  { name: "bare Bun.serve, same bytes as /login", options: { url: bare.url, connections: CONNECTIONS } },
  { name: "GET /login, full page, anonymous", options: { url: `${origin}/login`, connections: CONNECTIONS } },
  {
    name: "GET /, full page, signed in",
    options: { url: `${origin}/`, connections: CONNECTIONS, headers: { cookie: owner.cookieHeader } },
  },
  {
    name: "GET /verify-2fa, htmx fragment, pending",
    options: {
      url: `${origin}/verify-2fa`,
      connections: CONNECTIONS,
      headers: { cookie: pending.cookieHeader, "hx-request": "true" },
    },
  },
  {
    name: "POST /verify-2fa, wrong code (422)",
    options: { ...form({ otp: wrongCode }, pending), url: `${origin}/verify-2fa`, connections: CONNECTIONS },
  },
  {
    name: "POST /login, argon2id (303)",
    options: {
      ...form({ username: "bench", password: PASSWORD }, signingIn),
      url: `${origin}/login`,
      connections: CONNECTIONS,
    },
  },
];

const rows: Row[] = [];
for (const benchCase of cases) {
  const result = await measure(benchCase);
  // The wrong code and the sign-in answer 422 and 303 by design; anything else is a failure.
  const expected = benchCase.name.includes("(422)") ? 422 : benchCase.name.includes("(303)") ? 303 : 200;
  const row = rowOf(benchCase.name, result, expected);
  rows.push(row);
  console.info(
    `${row.name}: ${Math.round(row.rps)} req/s, p50 ${row.p50} ms, p99 ${row.p99} ms, app peak RSS so far ${memoryMb(app.child.pid, "VmHWM").toFixed(1)} MB`,
  );
}

// GET /login while sign-ins hash: argon2id must stay off the event loop.
const [underLoad, hashing] = await Promise.all([
  measure({ name: "", options: { url: `${origin}/login`, connections: CONNECTIONS } }),
  measure({
    name: "",
    options: {
      ...form({ username: "bench", password: PASSWORD }, signingIn),
      url: `${origin}/login`,
      connections: SIGN_INS_AT_ONCE,
    },
  }),
]);
rows.push(rowOf(`GET /login while ${SIGN_INS_AT_ONCE} sign-ins hash`, underLoad));
rows.push(rowOf(`  the ${SIGN_INS_AT_ONCE} sign-ins meanwhile (303)`, hashing, 303));

const rss = memoryMb(app.child.pid, "VmHWM");
const barePeakRss = memoryMb(bare.child.pid, "VmHWM");
const privatePeak = appPrivate.stop();
const barePrivatePeak = barePrivate.stop();
app.child.kill();
bare.child.kill();
await app.child.exited;
await database.drop();
rmSync(dir, { recursive: true, force: true });

const bareRps = rows[0]?.rps ?? 1;
for (const row of rows) row.ratio = row.rps / bareRps;
const loginRow = rows[1];
const loadRow = rows.find((row) => row.name.startsWith("GET /login while"));
const targets = [
  [
    "GET /login ≥ 0.5× bare, p99 < 10 ms",
    `${loginRow?.ratio?.toFixed(2)}×, p99 ${loginRow?.p99} ms`,
    (loginRow?.ratio ?? 0) >= 0.5 && (loginRow?.p99 ?? 99) < 10,
  ],
  [`p99 of GET /login under ${SIGN_INS_AT_ONCE} sign-ins < 25 ms`, `${loadRow?.p99} ms`, (loadRow?.p99 ?? 99) < 25],
  ["peak RSS < 100 MB", `${rss.toFixed(1)} MB`, rss < 100],
  ["start to first 200 < 500 ms", `${app.startupMs.toFixed(0)} ms`, app.startupMs < 500],
] as const;

const cpu = cpus();
const report = [
  "# Benchmark results",
  "",
  `${new Date().toISOString().slice(0, 10)} · ${cpu[0]?.model ?? "unknown CPU"} · ${cpu.length} cores · Bun ${Bun.version} · ${backend === "postgres" ? "PostgreSQL on the same machine" : "SQLite"} · autocannon, ${CONNECTIONS} connections, ${SECONDS} s per case after ${WARMUP_SECONDS} s of warm-up`,
  "",
  "| case | requests/s | p50 ms | p99 ms | × bare | failed |",
  "| --- | ---: | ---: | ---: | ---: | ---: |",
  ...rows.map(
    (row) =>
      `| ${row.name} | ${Math.round(row.rps)} | ${row.p50} | ${row.p99} | ${row.ratio?.toFixed(2)} | ${row.bad} |`,
  ),
  "",
  "| target | measured | met |",
  "| --- | --- | --- |",
  ...targets.map(([target, measured, met]) => `| ${target} | ${measured} | ${met ? "yes" : "**no**"} |`),
  "",
  `Memory: the app's peak RSS is ${rss.toFixed(1)} MB, of which its private memory peaked at ${privatePeak.toFixed(1)} MB; the rest is mostly the pages of Bun's own executable. The bare Bun.serve peaked at ${barePeakRss.toFixed(1)} MB RSS, ${barePrivatePeak.toFixed(1)} MB private.`,
  "",
  "Reproduce with `bun run bench` (set `BENCH_SECONDS` for shorter runs, `TEST_DATABASE_URL` for PostgreSQL). The machine is shared and noisy: compare ratios, not absolute numbers.",
  "",
].join("\n");
writeFileSync(join(root, backend === "postgres" ? "bench/results-postgres.md" : "bench/results.md"), report);
console.info(`\n${report}`);
process.exit(rows.some((row) => row.bad > 0) ? 1 : 0);
