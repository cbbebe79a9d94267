// bun run bench: the app in production mode beside two references, the bare Bun.serve and a
// minimal Elysia app answering the same bytes, driven by wrk and alternated, medians reported.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { startCommand } from "../scripts/build";
import { projectFolder } from "../src/files";
import { backend } from "../tests/databases";
import { type Browser, signInWithPassword, wrongCodeAt } from "../tests/helpers";
import { freePort } from "../tests/processes";
import { buildBenchServer, cookieHeader, launchAppWithUser, launchBundle, launchReference, PASSWORD } from "./app";
import { type Load, median, requireWrk, wrk } from "./wrk";

requireWrk();
const CONNECTIONS = 50;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = 3;
const SIGN_INS_AT_ONCE = 8;
const STARTS = 5;
const dir = mkdtempSync(join(tmpdir(), "bun-2fa-bench-"));

const start = startCommand();
const benchServer = await buildBenchServer(projectFolder);

/** A figure from /proc/<pid>/status in MB (Linux): VmHWM is the peak resident set, RssAnon the private part now. */
function memoryMb(pid: number, field: "VmHWM" | "RssAnon"): number {
  const kb = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
  return Number(kb) / 1024;
}

/** The app's highest peak resident set across the run, in MB. */
let runPeak = 0;
/**
 * The app's peak resident set since the last call, in MB, then set back to what it holds now
 * (Linux's `clear_refs`), so that each case's peak is its own; the highest of them all is the
 * run's peak.
 */
function peakSinceLast(pid: number): number {
  const peak = memoryMb(pid, "VmHWM");
  writeFileSync(`/proc/${pid}/clear_refs`, "5");
  runPeak = Math.max(runPeak, peak);
  return peak;
}

/** The highest private memory seen while sampling: what a process itself holds, without Bun's shared code pages. */
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

/** A form post of this browser's, as wrk sends it. */
function formLoad(
  browser: Browser,
  path: string,
  fields: Record<string, string>,
  expect: number,
  connections = CONNECTIONS,
): Load {
  return {
    url: `${browser.origin}${path}`,
    connections,
    seconds: SECONDS,
    method: "POST",
    headers: {
      cookie: cookieHeader(browser),
      origin: browser.origin,
      "content-type": "application/x-www-form-urlencoded",
    },
    body: new URLSearchParams({ csrf: browser.csrfToken, ...fields }).toString(),
    expect,
  };
}

const { app, env: appEnv, origin, database, browser: browserAtApp, owner, key } = await launchAppWithUser(benchServer);

const pending = browserAtApp();
await signInWithPassword(pending, "bench", PASSWORD);
await pending.get("/verify-2fa"); // its form carries the CSRF token of the pending session
const wrongCode = wrongCodeAt(key, Date.now());

const signingIn = browserAtApp();
await signingIn.get("/login");

const bare = await launchReference("bench/bare.ts", origin, dir);
const elysia = await launchReference("bench/elysia.ts", origin, dir);

const samplers = [app, bare, elysia].map(({ child }) => privateMemorySampler(child.pid));

const get = (url: string, headers: Record<string, string> = {}): Load => ({
  url,
  connections: CONNECTIONS,
  seconds: SECONDS,
  headers,
});
type Case = { name: string; load: Load };
// Each group's cases are run in the same rounds, against the same reference runs: the guarded
// host route and the same handler unguarded are measured minute by minute side by side.
const groups: Case[][] = [
  [{ name: "GET /login, full page, anonymous", load: get(`${origin}/login`) }],
  [{ name: "GET /, full page, signed in", load: get(`${origin}/`, { cookie: cookieHeader(owner) }) }],
  [
    {
      name: "GET /verify-2fa, htmx fragment, pending",
      load: get(`${origin}/verify-2fa`, { cookie: cookieHeader(pending), "hx-request": "true" }),
    },
  ],
  [{ name: "GET /account, full page, signed in", load: get(`${origin}/account`, { cookie: cookieHeader(owner) }) }],
  [
    {
      name: "GET /bench/guarded, a host route behind signedIn",
      load: get(`${origin}/bench/guarded`, { cookie: cookieHeader(owner) }),
    },
    {
      name: "GET /bench/open, the same host handler unguarded",
      load: get(`${origin}/bench/open`, { cookie: cookieHeader(owner) }),
    },
  ],
  [{ name: "POST /verify-2fa, wrong code (422)", load: formLoad(pending, "/verify-2fa", { otp: wrongCode }, 422) }],
  [
    {
      name: "POST /login, wrong password, argon2id (422)",
      load: formLoad(signingIn, "/login", { username: "bench", password: "not the password" }, 422),
    },
  ],
  [
    {
      name: "POST /login, sign-ins, argon2id (303)",
      load: formLoad(signingIn, "/login", { username: "bench", password: PASSWORD }, 303),
    },
  ],
];

type Run = Awaited<ReturnType<typeof wrk>>;
type Row = {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  /** Throughput against the references of the same rounds: medians of each round's ratio. */
  bare: number;
  elysia: number;
  /** The server's CPU time a request, in µs: the app's, and the references' in the same rounds. */
  cpuUs: number;
  bareCpuUs: number;
  elysiaCpuUs: number;
  /** CPU a request of bare over the app's, medians of each round's ratio: 1 is as cheap as bare. */
  bareByCpu: number;
  failed: number;
  peakMb: number;
  /** The app's run of each round, for comparing the cases of one group round by round. */
  runs: Run[];
};
const rows: Row[] = [];
const loads: string[] = [];
const noteLoad = (what: string) => {
  const line = `${what}: load average ${loadavg()
    .map((n) => n.toFixed(2))
    .join(" ")}`;
  loads.push(line);
  console.info(line);
};
const cpuOf = (run: Run) => run.cpuUs ?? Number.NaN;

/**
 * A group of cases against both references, alternated A B C … A B C …, each after one warm-up
 * run: the medians, and the medians of the per-round ratios, so that one noisy run decides nothing.
 */
async function compare(group: Case[]): Promise<Row[]> {
  peakSinceLast(app.child.pid);
  const referenceLoads = { bare: get(bare.url), elysia: get(elysia.url) };
  const warmUps = [referenceLoads.bare, referenceLoads.elysia, ...group.map(({ load }) => load)];
  for (const warmUp of warmUps) await wrk({ ...warmUp, seconds: 1 }, dir);
  const rounds: { apps: Run[]; bare: Run; elysia: Run }[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    noteLoad(`${group.map(({ name }) => name).join(" and ")}, round ${round}`);
    const bareRun = await wrk(referenceLoads.bare, dir, bare.child.pid);
    const elysiaRun = await wrk(referenceLoads.elysia, dir, elysia.child.pid);
    const appRuns: Run[] = [];
    for (const { load } of group) appRuns.push(await wrk(load, dir, app.child.pid));
    rounds.push({ apps: appRuns, bare: bareRun, elysia: elysiaRun });
    references.bare.push(bareRun.rps);
    references.elysia.push(elysiaRun.rps);
  }
  const peakMb = peakSinceLast(app.child.pid);
  return group.map(({ name }, i) => {
    const runs = rounds.map((r) => ({ app: r.apps[i] as Run, bare: r.bare, elysia: r.elysia }));
    const row = {
      name,
      rps: median(runs.map((r) => r.app.rps)),
      p50: median(runs.map((r) => r.app.p50)),
      p99: median(runs.map((r) => r.app.p99)),
      bare: median(runs.map((r) => r.app.rps / r.bare.rps)),
      elysia: median(runs.map((r) => r.app.rps / r.elysia.rps)),
      cpuUs: median(runs.map((r) => cpuOf(r.app))),
      bareCpuUs: median(runs.map((r) => cpuOf(r.bare))),
      elysiaCpuUs: median(runs.map((r) => cpuOf(r.elysia))),
      bareByCpu: median(runs.map((r) => cpuOf(r.bare) / cpuOf(r.app))),
      failed: runs.reduce((sum, r) => sum + r.app.failed, 0),
      peakMb,
      runs: runs.map((r) => r.app),
    };
    console.info(
      `  ${name}: ${Math.round(row.rps)} req/s, ${row.bare.toFixed(2)}× bare, ${row.elysia.toFixed(2)}× Elysia, p99 ${row.p99.toFixed(1)} ms; CPU ${row.cpuUs.toFixed(1)} µs a request, ${row.bareByCpu.toFixed(2)}× bare`,
    );
    return row;
  });
}

/** Every run of each reference, across all cases: their medians head the report. */
const references = { bare: [] as number[], elysia: [] as number[] };

for (const group of groups) rows.push(...(await compare(group)));

// GET /login while sign-ins hash: argon2id must stay off the event loop.
noteLoad("GET /login while sign-ins hash");
peakSinceLast(app.child.pid);
const [underLoad, hashing] = await Promise.all([
  wrk(get(`${origin}/login`), dir),
  wrk(formLoad(signingIn, "/login", { username: "bench", password: PASSWORD }, 303, SIGN_INS_AT_ONCE), dir),
]);

const underLoadPeakMb = peakSinceLast(app.child.pid);
const peaks = [app, bare, elysia].map(({ child }, i) => ({
  rss: i === 0 ? runPeak : memoryMb(child.pid, "VmHWM"),
  private: samplers[i]?.stop() ?? 0,
}));
for (const { child } of [app, bare, elysia]) child.kill();
await app.child.exited;

// Start to first 200: fresh launches of the app on the same database.
const starts: number[] = [];
for (let i = 0; i < STARTS; i++) {
  const port = String(freePort());
  const started = await launchBundle(benchServer, { ...appEnv, PORT: port, APP_ORIGIN: `http://localhost:${port}` });
  starts.push(started.startupMs);
  started.child.kill();
  await started.child.exited;
}
await database.drop();
rmSync(dir, { recursive: true, force: true });

const byName = (prefix: string) => rows.find((row) => row.name.startsWith(prefix));
const loginRow = byName("GET /login");
const homeRow = byName("GET /,");
const fragmentRow = byName("GET /verify-2fa");
const wrongCodeRow = byName("POST /verify-2fa");
const guardedRow = byName("GET /bench/guarded");
const openRow = byName("GET /bench/open");
// The guard's cost: the guarded route against the unguarded one run in the same round, medians.
const guardedAgainstOpen = (ratio: (guarded: Run, open: Run) => number) =>
  median((guardedRow?.runs ?? []).map((run, round) => ratio(run, openRow?.runs[round] as Run)));
const guardRatio = guardedAgainstOpen((guarded, open) => guarded.rps / open.rps);
const guardByCpu = guardedAgainstOpen((guarded, open) => cpuOf(open) / cpuOf(guarded));
const accountRow = byName("GET /account");
const byCpu = (row: Row | undefined) => `${row?.bareByCpu.toFixed(2)}× bare (${row?.cpuUs.toFixed(1)} µs a request)`;
const startMedian = median(starts);
const ratio = (row: Row | undefined) => `${row?.bare.toFixed(2)}× bare`;
const targets: [string, string, boolean][] = [
  ["GET /login ≥ 0.6× bare", ratio(loginRow), (loginRow?.bare ?? 0) >= 0.6],
  ["GET / signed in ≥ 0.3× bare", ratio(homeRow), (homeRow?.bare ?? 0) >= 0.3],
  ["GET /verify-2fa fragment, pending ≥ 0.3× bare", ratio(fragmentRow), (fragmentRow?.bare ?? 0) >= 0.3],
  ["POST /verify-2fa wrong code ≥ 0.1× bare", ratio(wrongCodeRow), (wrongCodeRow?.bare ?? 0) >= 0.1],
  [
    "a host route behind signedIn ≥ 0.6× the same handler unguarded",
    `${guardRatio.toFixed(2)}× unguarded`,
    guardRatio >= 0.6,
  ],
  ["p99 GET /login at 50 connections < 10 ms", `${loginRow?.p99.toFixed(1)} ms`, (loginRow?.p99 ?? 99) < 10],
  [
    `p99 GET /login while ${SIGN_INS_AT_ONCE} sign-ins hash < 25 ms`,
    `${underLoad.p99.toFixed(1)} ms`,
    underLoad.p99 < 25,
  ],
  ["peak RSS under load < 100 MB", `${peaks[0]?.rss.toFixed(1)} MB`, (peaks[0]?.rss ?? 999) < 100],
  ["by CPU a request: GET /login ≥ 0.6× bare", byCpu(loginRow), (loginRow?.bareByCpu ?? 0) >= 0.6],
  ["by CPU a request: GET / signed in ≥ 0.35× bare", byCpu(homeRow), (homeRow?.bareByCpu ?? 0) >= 0.35],
  ["by CPU a request: GET /account ≥ 0.1× bare", byCpu(accountRow), (accountRow?.bareByCpu ?? 0) >= 0.1],
  [
    "by CPU a request: a host route behind signedIn ≥ 0.6× the same handler unguarded",
    `${guardByCpu.toFixed(2)}× unguarded`,
    guardByCpu >= 0.6,
  ],
  ["peak RSS under load < 90 MB", `${peaks[0]?.rss.toFixed(1)} MB`, (peaks[0]?.rss ?? 999) < 90],
  [`start to first 200, median of ${STARTS} < 250 ms`, `${startMedian.toFixed(0)} ms`, startMedian < 250],
];

const cpu = cpus();
const report = [
  "# Benchmark results",
  "",
  `${new Date().toISOString().slice(0, 10)} · ${cpu[0]?.model ?? "unknown CPU"} · ${cpu.length} cores · Bun ${Bun.version} · ${backend === "postgres" ? "PostgreSQL on the same machine" : "SQLite"} · wrk, ${CONNECTIONS} connections, ${SECONDS} s a run, ${ROUNDS} rounds alternating bare Bun.serve, minimal Elysia and the app (the guarded and the open host route in the same rounds), medians`,
  "",
  `The app runs as \`bun run start\` runs it, bundled: \`${[...Object.entries(start.env).map(([name, value]) => `${name}=${value}`), "bun", ...start.flags].join(" ")}\`; the references under \`bun --smol\`, with Bun's defaults.`,
  "",
  `References, medians: bare Bun.serve ${Math.round(median(references.bare))} req/s, minimal Elysia ${Math.round(median(references.elysia))} req/s, both answering the bytes of GET /login.`,
  "",
  "| case | requests/s | p50 ms | p99 ms | × bare | × Elysia | failed | app's peak RSS MB |",
  "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ...rows.map(
    (row) =>
      `| ${row.name} | ${Math.round(row.rps)} | ${row.p50.toFixed(1)} | ${row.p99.toFixed(1)} | ${row.bare.toFixed(2)} | ${row.elysia.toFixed(2)} | ${row.failed} | ${row.peakMb.toFixed(1)} |`,
  ),
  `| GET /login while ${SIGN_INS_AT_ONCE} sign-ins hash | ${Math.round(underLoad.rps)} | ${underLoad.p50.toFixed(1)} | ${underLoad.p99.toFixed(1)} | | | ${underLoad.failed} | ${underLoadPeakMb.toFixed(1)} |`,
  `| the ${SIGN_INS_AT_ONCE} sign-ins meanwhile (303) | ${Math.round(hashing.rps)} | ${hashing.p50.toFixed(1)} | ${hashing.p99.toFixed(1)} | | | ${hashing.failed} | |`,
  "",
  "Server CPU time a request (utime + stime from /proc/PID/stat over each run, divided by its requests), medians of the same rounds; × bare is bare's over the app's, the median of each round's:",
  "",
  "| case | app µs | bare µs | Elysia µs | × bare by CPU | × bare by throughput |",
  "| --- | ---: | ---: | ---: | ---: | ---: |",
  ...rows.map(
    (row) =>
      `| ${row.name} | ${row.cpuUs.toFixed(1)} | ${row.bareCpuUs.toFixed(1)} | ${row.elysiaCpuUs.toFixed(1)} | ${row.bareByCpu.toFixed(2)} | ${row.bare.toFixed(2)} |`,
  ),
  "",
  "| target | measured | met |",
  "| --- | --- | --- |",
  ...targets.map(([target, measured, met]) => `| ${target} | ${measured} | ${met ? "yes" : "**no**"} |`),
  "",
  "| server | peak RSS MB | peak private MB |",
  "| --- | ---: | ---: |",
  ...["the app", "bare Bun.serve", "minimal Elysia"].map(
    (server, i) => `| ${server} | ${peaks[i]?.rss.toFixed(1)} | ${peaks[i]?.private.toFixed(1)} |`,
  ),
  "",
  `Start to first 200, ${STARTS} launches: ${starts.map((ms) => ms.toFixed(0)).join(", ")} ms.`,
  "",
  "Load averages before each run:",
  "",
  ...loads.map((line) => `- ${line}`),
  "",
  "Reproduce with `apt-get install wrk`, then `bun run bench` (`BENCH_SECONDS` sets the length of a run, `TEST_DATABASE_URL` runs it on PostgreSQL). The machine is shared and noisy: compare ratios, not absolute numbers.",
  "",
].join("\n");
writeFileSync(join(projectFolder, backend === "postgres" ? "bench/results-postgres.md" : "bench/results.md"), report);
console.info(`\n${report}`);
const failed = rows.some((row) => row.failed > 0) || underLoad.failed > 0 || hashing.failed > 0;
process.exit(failed ? 1 : 0);
