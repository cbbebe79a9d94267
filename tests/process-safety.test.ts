// What no request may do to a running server: stop it. Real processes, raw sockets.

import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, launch, randomSecret, rawAnswer } from "./processes";

const started: { child: Bun.Subprocess; directory: string }[] = [];

afterEach(async () => {
  for (const { child, directory } of started.splice(0)) {
    child.kill(9);
    await child.exited;
    rmSync(directory, { recursive: true, force: true });
  }
});

/** `bun run start`'s command on a free port and a SQLite file of its own. */
async function startServer(port = freePort()) {
  const directory = mkdtempSync(join(tmpdir(), "process-safety-"));
  const env = {
    NODE_ENV: "production",
    PORT: String(port),
    APP_SECRET: randomSecret(),
    DATABASE_URL: join(directory, "app.sqlite"),
    // Nothing balances these servers: a SIGTERM stops them at once.
    SHUTDOWN_DRAIN_SECONDS: "0",
  };
  const { child } = await launch(
    ["bun", "--smol", "src/demo/server.ts"],
    env,
    `http://127.0.0.1:${port}/healthz`,
    "pipe",
  );
  started.push({ child, directory });
  return { child, port, env };
}

const rawRequest = async (port: number, request: string) => (await rawAnswer(port, request)).status;

/** Stops the server as an operator would and reads its request log, one JSON object a line. */
async function stopAndReadLog(child: Bun.Subprocess) {
  child.kill("SIGTERM");
  expect(await child.exited).toBe(0);
  return (await new Response(child.stdout as ReadableStream).text())
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line));
}

// A Host that cannot be part of a URL, or an empty one.
const malformedHosts = ["a b", "[::1", "x:99999", "localhost:abc", "a?b", "@", "\xff", ""];
const hostileRequests = malformedHosts.flatMap((host) => [
  `GET /healthz HTTP/1.1\r\nHost: ${host}\r\n\r\n`,
  `GET /login HTTP/1.1\r\nHost: ${host}\r\n\r\n`,
  `POST /login HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 3\r\n\r\na=b`,
  `POST /account/sessions/abc/revoke HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 0\r\n\r\n`,
]);

test("requests with a malformed Host get 400, and the server keeps serving", async () => {
  const { child, port } = await startServer();
  for (const request of hostileRequests) {
    expect({ request, status: await rawRequest(port, request) }).toEqual({
      request,
      status: "HTTP/1.1 400 Bad Request",
    });
  }
  // Each of them again, all at once.
  await Promise.all(hostileRequests.map((request) => rawRequest(port, request)));

  const health = await fetch(`http://127.0.0.1:${port}/healthz`);
  expect(health.status).toBe(200);
  expect(child.exitCode).toBeNull();

  // The request log recorded each refusal with its path and its real status.
  const log = await stopAndReadLog(child);
  const refusals = log.filter((entry) => entry.status === 400);
  expect(refusals).toHaveLength(hostileRequests.length * 2);
  expect(new Set(refusals.map((entry) => entry.path))).toEqual(
    new Set(["/healthz", "/login", "/account/sessions/abc/revoke"]),
  );
  expect(await new Response(child.stderr as ReadableStream).text()).toBe("");
});

test("HTTP/1.0 without Host (a balancer's health check) is served as the app's own host; HTTP/1.1 without one gets 400", async () => {
  const { child, port } = await startServer();
  const answer = (request: string) => rawAnswer(port, request);
  for (const method of ["GET", "HEAD", "OPTIONS"]) {
    const health = await answer(`${method} /healthz HTTP/1.0\r\n\r\n`);
    expect({ method, status: health.status }).toEqual({ method, status: "HTTP/1.1 200 OK" });
    if (method !== "HEAD") expect(health.body).toBe("ok\n");
  }
  expect((await answer("OPTIONS /healthz HTTP/1.0\r\n\r\n")).head).toMatch(/\r\nallow: GET, HEAD, OPTIONS\r\n/i);
  const login = await answer("GET /login?next=1 HTTP/1.0\r\n\r\n");
  expect(login.status).toBe("HTTP/1.1 200 OK");
  expect(login.body).toContain('action="/login"');
  // A form without Host is a form without its origin's proof: refused, as from anywhere else.
  const form =
    "POST /login HTTP/1.0\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 3\r\n\r\na=b";
  expect((await answer(form)).status).toBe("HTTP/1.1 403 Forbidden");
  expect((await answer("GET /healthz HTTP/1.1\r\n\r\n")).status).toBe("HTTP/1.1 400 Bad Request");

  const log = await stopAndReadLog(child);
  const health = log.filter((entry) => entry.path === "/healthz" && entry.method !== "GET");
  expect(health.map((entry) => `${entry.method} ${entry.status}`).sort()).toEqual([
    "HEAD 200",
    "OPTIONS 200",
    "OPTIONS 200",
  ]);
  expect(log.filter((entry) => entry.path === "/login").map((entry) => entry.status)).toEqual([200, 403]);
  expect(await new Response(child.stderr as ReadableStream).text()).toBe("");
});

test("a body over 64 KB over a real socket gets the app's 413 page and a log line, however large", async () => {
  const { child, port } = await startServer();
  const form = { "content-type": "application/x-www-form-urlencoded" };
  const post = (body: string | ReadableStream) =>
    fetch(`http://127.0.0.1:${port}/login`, { method: "POST", headers: form, body });
  const chunked = new ReadableStream({
    pull(controller) {
      controller.enqueue(new TextEncoder().encode("x".repeat(16 * 1024)));
    },
  });
  const answers = [await post("x".repeat(100 * 1024)), await post("x".repeat(20 * 1024 * 1024)), await post(chunked)];
  for (const answer of answers) {
    expect(answer.status).toBe(413);
    expect(answer.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(await answer.text()).toContain("<h1>Form too large</h1>");
  }
  expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);

  const log = await stopAndReadLog(child);
  expect(log.filter((entry) => entry.path === "/login").map((entry) => entry.status)).toEqual([413, 413, 413]);
  expect(await new Response(child.stderr as ReadableStream).text()).toBe("");
});

test("a second instance on a port in use exits 1 with one line, and the first one goes on", async () => {
  const first = await startServer();
  const second = Bun.spawn(["bun", "--smol", "src/demo/server.ts"], {
    cwd: join(import.meta.dir, ".."),
    env: { ...process.env, ...first.env, DATABASE_URL: join(started[0]?.directory ?? tmpdir(), "other.sqlite") },
    stdout: "pipe",
    stderr: "pipe",
  });
  expect(await second.exited).toBe(1);
  expect(await new Response(second.stderr).text()).toBe(`Cannot start: port ${first.port} is already in use\n`);
  for (let i = 0; i < 20; i++) {
    expect((await fetch(`http://127.0.0.1:${first.port}/healthz`)).status).toBe(200);
  }
});

test("an error thrown outside any handler is logged by type and stack, and the process goes on", async () => {
  const script = `
    import { keepServingThroughUncaughtErrors } from "./src/web/operations";
    keepServingThroughUncaughtErrors();
    setImmediate(() => { throw new TypeError("password hunter2 in a message"); });
    Promise.reject(new RangeError("token abc123 in a message"));
    setTimeout(() => console.log("still serving"), 100);
  `;
  const child = Bun.spawn(["bun", "-e", script], { cwd: join(import.meta.dir, ".."), stdout: "pipe", stderr: "pipe" });
  expect(await child.exited).toBe(0);
  expect(await new Response(child.stdout).text()).toBe("still serving\n");
  const stderr = await new Response(child.stderr).text();
  expect(stderr).toContain("code outside any request failed with TypeError\n    at ");
  expect(stderr).toContain("a promise nobody awaited failed with RangeError\n    at ");
  expect(stderr).not.toContain("hunter2");
  expect(stderr).not.toContain("abc123");
});
