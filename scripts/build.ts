// bun run build: the demo's server bundled into dist/ (server.js and its chunks), which `bun run start` runs.
// bun run build:lib: the library, as the package ships it, into dist/lib (JS and .d.ts types).
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from "node:fs";
import { basename, join, relative } from "node:path";
import { projectFolder } from "../src/files";

/**
 * Bundles a server entry point into `outdir` and says where the bundle is. One module at start
 * instead of about 490: each module Bun loads keeps its record and code in the heap for good, and the
 * heap grows to a multiple of what it keeps (bench/HISTORY.md). Whitespace and syntax are
 * minified, as Elysia's deployment guide does; names are kept, so that the stacks of unexpected
 * errors in the log still name their functions.
 */
export async function buildServer(entrypoint: string, outdir: string): Promise<string> {
  // Built aside, then each file renamed into place, which is atomic: an instance starting
  // meanwhile (several `bun run start` at once) never reads a file half written, and one
  // already running still finds the chunks it loads later, named by their content.
  mkdirSync(outdir, { recursive: true });
  const aside = mkdtempSync(join(outdir, ".build-"));
  try {
    const result = await Bun.build({
      entrypoints: [entrypoint],
      outdir: aside,
      target: "bun",
      // What is imported only when needed (WebAuthn, QR codes, PostgreSQL) stays in chunks of its own until then.
      splitting: true,
      minify: { whitespace: true, syntax: true, identifiers: false },
    });
    if (!result.success) throw new AggregateError(result.logs, `bundling ${entrypoint} failed`);
    for (const output of result.outputs) renameSync(output.path, join(outdir, relative(aside, output.path)));
  } finally {
    rmSync(aside, { recursive: true, force: true });
  }
  return join(outdir, basename(entrypoint).replace(/\.tsx?$/, ".js"));
}

/**
 * How `bun run start` runs the bundle: the settings it puts in the environment (the runtime's
 * memory settings among them), Bun's flags and the script, read from package.json, so that the
 * benchmark and the tests run the app as it is deployed.
 */
export function startCommand(): { env: Record<string, string>; flags: string[]; script: string } {
  const start: string = JSON.parse(readFileSync(join(projectFolder, "package.json"), "utf8")).scripts.start;
  // What runs after the build.
  const words = (start.split("&&").at(-1) ?? "").trim().split(/\s+/);
  const bun = words.indexOf("bun");
  const settings = words.slice(0, bun);
  if (bun === -1 || words.length < bun + 2 || !settings.every((word) => /^\w+=/.test(word)))
    throw new Error(`cannot read the start script: ${start}`);
  return {
    env: Object.fromEntries(settings.map((setting) => setting.split(/=(.*)/s).slice(0, 2))),
    flags: words.slice(bun + 1, -1),
    script: words.at(-1) ?? "",
  };
}

/** The app's own bundle, the one the start script runs: dist/server.js. */
export const buildApp = () => buildServer(join(projectFolder, "src/demo/server.ts"), join(projectFolder, "dist"));

/**
 * The library as the package ships it: its public entry compiled to JS (JSX already turned into
 * calls of @kitajs/html, so a host's own JSX setting never applies), every dependency left to
 * the host's node_modules, and its types from tsc.
 */
export async function buildLibrary(): Promise<string> {
  const outdir = join(projectFolder, "dist/lib");
  rmSync(outdir, { recursive: true, force: true });
  const result = await Bun.build({
    entrypoints: [join(projectFolder, "src/index.ts"), join(projectFolder, "src/cli.ts")],
    outdir,
    target: "bun",
    packages: "external",
    splitting: true,
  });
  if (!result.success) throw new AggregateError(result.logs, "bundling the library failed");
  const types = Bun.spawnSync(["bunx", "tsc", "-p", join(projectFolder, "tsconfig.lib.json")], {
    cwd: projectFolder,
    stdout: "inherit",
    stderr: "inherit",
  });
  if (types.exitCode !== 0) throw new Error("writing the library's types failed");
  return outdir;
}

if (import.meta.main) {
  console.info(`built ${process.argv.includes("--lib") ? await buildLibrary() : await buildApp()}`);
}
