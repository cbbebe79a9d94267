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

/** An HTTP answer read off a raw socket: its status line, its head (each line ended by CRLF) and its body. */
export type RawAnswer = { status: string; head: string; body: string };

/**
 * One raw TCP connection to a server on this machine: `send` writes the bytes as they are and
 * reads the whole answer (by its Content-Length; a HEAD's has no body), or "closed" when the
 * server closed the connection before answering.
 */
export async function rawConnection(port: number) {
  let received = "";
  let closed = false;
  let wake = () => {};
  const socket = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: {
      data(_socket, chunk) {
        received += chunk.toString("latin1");
        wake();
      },
      close() {
        closed = true;
        wake();
      },
    },
  });
  return {
    async send(request: string): Promise<RawAnswer | "closed"> {
      received = "";
      socket.write(Buffer.from(request, "latin1"));
      for (;;) {
        const end = received.indexOf("\r\n\r\n");
        if (end !== -1) {
          const head = `${received.slice(0, end)}\r\n`;
          const body = received.slice(end + 4);
          const length = request.startsWith("HEAD") ? 0 : Number(/\r\ncontent-length: (\d+)/i.exec(head)?.[1] ?? 0);
          if (body.length >= length || closed) return { status: head.slice(0, head.indexOf("\r\n")), head, body };
        }
        if (closed) return "closed";
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
    },
    close: () => socket.end(),
  };
}

/** Writes these bytes on a connection of their own and reads the answer. */
export async function rawAnswer(port: number, request: string): Promise<RawAnswer> {
  const connection = await rawConnection(port);
  const answer = await connection.send(request);
  connection.close();
  if (answer === "closed") throw new Error(`closed without an answer: ${JSON.stringify(request)}`);
  return answer;
}
