// bun run bench:compare <git ref> [case,…]: what a change bought, by server CPU a request. The
// benchmark's server of that commit and of the working tree, each started as `bun run start`
// starts the app, beside a bare Bun.serve, alternated bare, before, after over rounds of wrk.
import { symlinkSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { projectFolder } from "../src/files";
import { buildBenchServer, cookieHeader, launchAppWithUser, launchReference } from "./app";
import { type Load, median, pinning, requireWrk, wrk } from "./wrk";

requireWrk();
const [ref, chosen = "login,home,guarded,open,account"] = process.argv.slice(2);
if (!ref) {
  console.error("usage: bun run bench:compare <git ref> [login,home,guarded,open,account]");
  process.exit(2);
}
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const dir = await mkdtemp(join(tmpdir(), "bun-2fa-compare-"));

/** The commit's own tree beside this one, with this one's dependencies: its benchmark server bundled there. */
async function bundleOf(ref: string): Promise<string> {
  const tree = join(dir, "before");
  const added = Bun.spawnSync(["git", "worktree", "add", "--detach", tree, ref], { cwd: projectFolder });
  if (added.exitCode !== 0) throw new Error(`cannot check out ${ref}: ${added.stderr}`);
  symlinkSync(join(projectFolder, "node_modules"), join(tree, "node_modules"));
  return buildBenchServer(tree);
}

const before = await launchAppWithUser(await bundleOf(ref), pinning?.servers);
const after = await launchAppWithUser(await buildBenchServer(projectFolder), pinning?.servers);

const bare = await launchReference("bench/bare.ts", after.origin, dir, pinning?.servers);

type App = typeof after;
const cases: Record<string, (app: App) => Load> = {
  login: (app) => get(`${app.origin}/login`),
  home: (app) => get(`${app.origin}/`, cookieHeader(app.owner)),
  account: (app) => get(`${app.origin}/account`, cookieHeader(app.owner)),
  guarded: (app) => get(`${app.origin}/bench/guarded`, cookieHeader(app.owner)),
  open: (app) => get(`${app.origin}/bench/open`, cookieHeader(app.owner)),
};
function get(url: string, cookie?: string): Load {
  return { url, connections: 50, seconds: SECONDS, headers: cookie ? { cookie } : {}, cores: pinning?.wrk };
}

console.info(
  `${ref} (before, started first) against the working tree (after), ${ROUNDS} rounds of ${SECONDS} s, ${pinning ? `servers on core ${pinning.servers}, wrk on ${pinning.wrk}` : "unpinned"}; CPU µs a request, medians, and × bare (bare's over the app's, the median of each round's):`,
);
for (const name of chosen.split(",")) {
  const loadOf = cases[name];
  if (!loadOf) throw new Error(`no case ${name}: ${Object.keys(cases).join(", ")}`);
  const runs = [
    { server: bare, load: get(bare.url) },
    { server: before.app, load: loadOf(before) },
    { server: after.app, load: loadOf(after) },
  ];
  for (const { load } of runs) await wrk({ ...load, seconds: 1 }, dir);
  const cpu: number[][] = runs.map(() => []);
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, { server, load }] of runs.entries()) {
      const run = await wrk(load, dir, server.child.pid);
      if (run.failed > 0) throw new Error(`${name}: ${run.failed} answers failed`);
      cpu[i]?.push(run.cpuUs ?? Number.NaN);
    }
  }
  const [bareUs = [], beforeUs = [], afterUs = []] = cpu;
  const byBare = (app: number[]) => median(app.map((us, round) => (bareUs[round] ?? Number.NaN) / us)).toFixed(2);
  console.info(
    `${name}: bare ${median(bareUs).toFixed(1)} µs; before ${median(beforeUs).toFixed(1)} µs (${byBare(beforeUs)}×); after ${median(afterUs).toFixed(1)} µs (${byBare(afterUs)}×)`,
  );
}

for (const { child } of [bare, before.app, after.app]) child.kill();
await Promise.all([before.database.drop(), after.database.drop()]);
Bun.spawnSync(["git", "worktree", "remove", "--force", join(dir, "before")], { cwd: projectFolder });
await rm(dir, { recursive: true, force: true });
