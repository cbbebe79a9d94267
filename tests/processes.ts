// Shared by the browser suite and the benchmark: starting a server process and waiting for it.
import { join } from "node:path";

const root = join(import.meta.dir, "..");

export function freePort(): number {
  const probe = Bun.serve({ port: 0, fetch: () => new Response() });
  const { port } = probe;
  probe.stop(true);
  if (port === undefined) throw new Error("no free port");
  return port;
}

/** A random APP_SECRET for a throwaway server. */
export const randomSecret = () => Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url");

/**
 * Runs `command` from `cwd` (the project's root by default) and waits for its first 200 at `url`; also how
 * long that took from the spawn, in ms. A process that exits or takes 10 s is an error.
 * Its stdout (the request log) is dropped unless `stdout` is "pipe"; then the caller must read it.
 */
export async function launch(
  command: string[],
  env: Record<string, string>,
  url: string,
  stdout: "ignore" | "pipe" = "ignore",
  cwd = root,
) {
  const started = performance.now();
  const child = Bun.spawn(command, { cwd, env: { ...process.env, ...env }, stdout, stderr: "pipe" });
  for (;;) {
    if (performance.now() - started > 10_000 || child.exitCode !== null) {
      child.kill();
      throw new Error(`${command.join(" ")} did not start: ${await new Response(child.stderr).text()}`);
    }
    const ok = await fetch(url).then(
      (response) => response.status === 200,
      () => false,
    );
    if (ok) return { child, startupMs: performance.now() - started };
    await Bun.sleep(2);
  }
}
