// Driving a server with wrk (Debian's package): C, a fraction of the CPU, so on these cores it
// measures the server rather than itself, as a load generator in Node or Bun would.
import { readFileSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";

export type Load = {
  url: string;
  connections: number;
  seconds: number;
  method?: "GET" | "POST";
  headers?: Record<string, string>;
  body?: string;
  /** The status every answer must have; any other counts as failed. */
  expect?: number;
  /** The cores wrk runs on (`taskset -c`); any by default. */
  cores?: string;
};

/** A run's rate, latencies and failures; and with a server's pid, the CPU time it spent a request, in µs. */
export type Measured = { rps: number; p50: number; p99: number; failed: number; cpuUs: number | null };

const CORES = availableParallelism();
/**
 * Where `bun run bench:compare` runs the servers and wrk: with two cores or more and `taskset`,
 * the servers on the last core and wrk on the others, so that neither takes CPU from the other
 * mid-run; then a server's CPU time a request scatters by a few percent from round to round
 * instead of by tens. Null where they cannot be kept apart.
 */
export const pinning =
  Bun.which("taskset") && CORES >= 2 ? { servers: String(CORES - 1), wrk: CORES === 2 ? "0" : `0-${CORES - 2}` } : null;

/** A command, to run on these cores only when given. */
export const onCores = (cores: string | undefined, command: string[]) =>
  cores ? ["taskset", "-c", cores, ...command] : command;

/** Clock ticks a second, the unit of /proc/<pid>/stat's CPU times. */
const CLOCK_TICKS = Number(Bun.spawnSync(["getconf", "CLK_TCK"]).stdout.toString().trim()) || 100;

/** The CPU time a process has used so far, user and system, in µs (Linux). */
function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // After the command name (which may hold spaces, hence the last ")"), utime and stime are the 12th and 13th fields.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1_000_000) / CLOCK_TICKS;
}

/** Exits with the install line when wrk is not on this machine. */
export function requireWrk(): string {
  const wrk = Bun.which("wrk");
  if (!wrk) {
    console.error("bun run bench needs wrk, the HTTP load generator: apt-get install wrk");
    process.exit(1);
  }
  return wrk;
}

const lua = (value: string) => JSON.stringify(value); // a JSON string is a valid Lua string literal here

/**
 * The Lua script for one load: its method, headers and body, a count of answers with another
 * status than expected (per thread, summed at the end), and the figures as one parsable line.
 */
function script(load: Load): string {
  const headers = Object.entries(load.headers ?? {})
    .map(([name, value]) => `wrk.headers[${lua(name)}] = ${lua(value)}`)
    .join("\n");
  return `
wrk.method = ${lua(load.method ?? "GET")}
${load.body === undefined ? "" : `wrk.body = ${lua(load.body)}`}
${headers}
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) unexpected = 0 end
function response(status, headers, body)
  if status ~= ${load.expect ?? 200} then unexpected = unexpected + 1 end
end
function done(summary, latency, requests)
  local failed = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  for _, thread in ipairs(threads) do failed = failed + thread:get("unexpected") end
  io.write(string.format("RESULT %f %f %f %d %d\\n", summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, failed, summary.requests))
end
`;
}

let scripts = 0;

/** One wrk run of `load`; `dir` holds its script. With `serverPid`, that server's CPU time over the run is measured too. */
export async function wrk(load: Load, dir: string, serverPid?: number): Promise<Measured> {
  const file = join(dir, `load-${++scripts}.lua`);
  writeFileSync(file, script(load));
  const threads = Math.min(2, load.connections);
  const cpuBefore = serverPid ? cpuMicros(serverPid) : 0;
  const run = Bun.spawn(
    onCores(load.cores, [
      "wrk",
      `-t${threads}`,
      `-c${load.connections}`,
      `-d${load.seconds}s`,
      "--timeout",
      "5s",
      "-s",
      file,
      load.url,
    ]),
    { stdout: "pipe", stderr: "pipe" },
  );
  const output = await new Response(run.stdout).text();
  await run.exited;
  const cpuSpent = serverPid ? cpuMicros(serverPid) - cpuBefore : 0;
  const line = /RESULT (\S+) (\S+) (\S+) (\d+) (\d+)/.exec(output);
  if (!line) throw new Error(`wrk gave no result: ${output}${await new Response(run.stderr).text()}`);
  const [, rps, p50, p99, failed, requests] = line.map(Number);
  const cpuUs = serverPid && requests ? cpuSpent / requests : null;
  return { rps: rps ?? 0, p50: p50 ?? 0, p99: p99 ?? 0, failed: failed ?? 0, cpuUs };
}

export const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};
