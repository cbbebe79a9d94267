import { afterEach, expect, spyOn, test } from "bun:test";
import { Elysia } from "elysia";
import { createApp } from "../src/demo/app";
import { batchedLines, type RequestLogEntry, requestsInFlight } from "../src/web/operations";
import { Browser, GOOD_PASSWORD, ORIGIN, register, registerWithTwoFactor, type TestApp, testApp } from "./helpers";

let t: TestApp;
afterEach(() => t.close());

/** A second app on the test app's database, writing its request log to `logRequest`. */
const appLoggingTo = (logRequest: (entry: RequestLogEntry) => void) =>
  createApp({ database: t.database, config: t.config, clock: () => t.clock.now, logRequest });

test("/healthz answers 200 while the database answers, and 503 once it does not", async () => {
  t = await testApp();
  const up = await t.app.handle(new Request(`${ORIGIN}/healthz`));
  expect(up.status).toBe(200);
  expect(await up.text()).toBe("ok\n");
  expect(up.headers.get("cache-control")).toBe("no-store");

  await t.database.close();
  const down = await t.app.handle(new Request(`${ORIGIN}/healthz`));
  expect(down.status).toBe(503);
  expect(await down.text()).toBe("database unreachable\n");
});

test("the request log has method, path, status and duration, and never a secret", async () => {
  t = await testApp();
  const entries: RequestLogEntry[] = [];
  const app = appLoggingTo((entry) => entries.push(entry));
  const browser = new Browser(app);
  await register(browser, "logan");
  await browser.get("/setup-2fa");
  await browser.get("/login?next=secret-in-query");
  await browser.post("/logout", {});
  await browser.get("/no-such-page");
  const forged = new Browser(app);
  forged.cookies.set("tfa-session", `forged.${"A".repeat(43)}`);
  await forged.get("/");
  // Each line is written once its answer is on its way, so the last one may lag a moment.
  for (let waited = 0; entries.length < 7 && waited < 1_000; waited += 10) await Bun.sleep(10);

  expect(entries.map(({ method, path, status }) => `${method} ${path} ${status}`)).toEqual([
    "GET /register 200",
    "POST /register 303",
    "GET /setup-2fa 200",
    "GET /login 303",
    "POST /logout 303",
    "GET /no-such-page 404",
    "GET / 303",
  ]);
  for (const entry of entries) {
    expect(Object.keys(entry).sort()).toEqual(["method", "ms", "path", "status", "time"]);
    expect(entry.ms).toBeGreaterThanOrEqual(0);
    expect(Date.parse(entry.time)).not.toBeNaN();
  }
  const logged = JSON.stringify(entries);
  for (const secret of [GOOD_PASSWORD, "secret-in-query", browser.csrfToken, ...browser.cookies.values()]) {
    expect(logged).not.toContain(secret);
  }
});

test("the request log records the status the client received, whatever kind of answer it was", async () => {
  t = await testApp({ IP_RATE_LIMIT: "7", TRUSTED_PROXY_HEADER: "X-Forwarded-For" });
  const entries: RequestLogEntry[] = [];
  const app = appLoggingTo((entry) => entries.push(entry));
  // Set up through another app, with a budget of its own.
  await registerWithTwoFactor(new Browser(t.app), t, "lola");
  const browser = new Browser(app, ORIGIN, { "x-forwarded-for": "203.0.113.5" });

  const form = { "content-type": "application/x-www-form-urlencoded", origin: ORIGIN };
  const received: Response[] = [
    await browser.get("/login"), // 200, a page through html()
    await browser.post("/login", { username: "lola", password: GOOD_PASSWORD }), // 303
    await browser.post("/verify-2fa", { otp: "12" }, { headers: { "content-type": "text/plain" } }), // 415
    await browser.request("POST", "/verify-2fa", { headers: form, body: `csrf=${browser.csrfToken}&otp=1&otp=2` }), // 400
    await browser.request("POST", "/verify-2fa", { headers: form, body: "x".repeat(70_000) }), // 413
    await browser.post("/verify-2fa", {}, { csrf: false }), // 403
    await browser.get("/no-such-page"), // 404
  ];
  await browser.get("/verify-2fa");
  // Wrong codes: 422 each, until the fifth locks the code step; then 429 with the form.
  for (let i = 0; i < 6; i++) received.push(await browser.post("/verify-2fa", { otp: "000000" }));
  // The per-IP budget of 7 unsafe requests that passed the CSRF check is spent by now: 429 from the error handler.
  received.push(await browser.post("/verify-2fa", { otp: "000000" }));

  for (let waited = 0; entries.length < received.length + 1 && waited < 1_000; waited += 10) await Bun.sleep(10);
  const logged = entries.filter((entry) => entry.path !== "/verify-2fa" || entry.method !== "GET");
  expect(logged.map((entry) => entry.status)).toEqual(received.map((response) => response.status));
  expect(received.map((response) => response.status)).toEqual([
    200, 303, 415, 400, 413, 403, 404, 422, 422, 422, 422, 429, 429, 429,
  ]);
  // The lockout's 429 is the code form saying when to try again; the budget's is the error page.
  expect(await received[11]?.text()).toContain('name="otp"');
  expect(await received[13]?.text()).toContain("Too many attempts from your network");
});

test("a request log that throws is reported by type and stack, and the answers still go out", async () => {
  t = await testApp();
  const app = appLoggingTo(() => {
    throw new TypeError("disk full while writing hunter2");
  });
  const reported = spyOn(console, "error").mockImplementation(() => {});
  try {
    for (let i = 0; i < 3; i++) expect((await app.handle(new Request(`${ORIGIN}/login`))).status).toBe(200);
    for (let waited = 0; reported.mock.calls.length < 3 && waited < 1_000; waited += 10) await Bun.sleep(10);
    expect(reported.mock.calls).toHaveLength(3);
    const [line] = reported.mock.calls[0] ?? [];
    expect(line).toStartWith("the request log of GET /login failed with TypeError\n    at ");
    expect(line).not.toContain("hunter2");
  } finally {
    reported.mockRestore();
  }
});

test("batched lines come out whole, in order and as UTF-8, however the batches fall", async () => {
  const chunks: Uint8Array[] = [];
  const lines = batchedLines((chunk) => chunks.push(chunk), 5, 64);
  const written = ["first", "é and 😀 in a line", "x".repeat(40), "y".repeat(100), "last"];
  for (const line of written) lines.line(line);
  // A batch goes out once 64 characters wait: the 100-character line went at once, after those before it.
  expect(chunks.length).toBeGreaterThanOrEqual(2);
  const text = () => chunks.map((chunk) => new TextDecoder().decode(chunk)).join("");
  expect(text()).not.toContain("last");
  // The rest goes out when the delay is up, with no flush asked for.
  await Bun.sleep(20);
  expect(text()).toBe(written.map((line) => `${line}\n`).join(""));

  // A flush asked for writes what waits at once, and only what was not written yet.
  const before = text();
  lines.line("z".repeat(50));
  lines.flush();
  expect(text()).toBe(`${before}${"z".repeat(50)}\n`);
  const count = chunks.length;
  lines.flush();
  expect(chunks.length).toBe(count); // nothing waiting, nothing written
});

test("requests in flight: a stop waits while a handler runs, and a 404, an error or an answer from onRequest leaves the count even", async () => {
  t = await testApp();
  const inFlight = requestsInFlight();
  let release = Promise.withResolvers<void>();
  const app = new Elysia()
    .use(inFlight.plugin)
    // A host's own check, answering before any route: Elysia runs no after-response hook for it.
    .onRequest(({ request, status }) => (request.headers.has("x-refuse") ? status(403, "refused") : undefined))
    .get("/slow", async () => {
      await release.promise;
      return "done";
    })
    .get("/boom", () => {
      throw new Error("boom");
    });
  const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
  const idleNow = () => Promise.race([inFlight.idle().then(() => true), nextTurn().then(() => false)]);

  expect((await app.handle(new Request(`${ORIGIN}/nowhere`))).status).toBe(404);
  expect((await app.handle(new Request(`${ORIGIN}/boom`))).status).toBe(500);
  expect((await app.handle(new Request(`${ORIGIN}/slow`, { headers: { "x-refuse": "1" } }))).status).toBe(403);
  await nextTurn();
  expect(await idleNow()).toBe(true);

  // Twice: a stop that waited once must wait again for the next request.
  for (let round = 0; round < 2; round++) {
    const slow = app.handle(new Request(`${ORIGIN}/slow`));
    await nextTurn();
    expect(await idleNow()).toBe(false);
    const waited = inFlight.idle();
    release.resolve();
    expect(await (await slow).text()).toBe("done");
    await waited;
    expect(await idleNow()).toBe(true);
    release = Promise.withResolvers<void>();
  }
});

test("while draining, every kind of answer closes its connection and /healthz says 503; before it, none does", async () => {
  t = await testApp();
  const inFlight = requestsInFlight();
  const app = createApp({ database: t.database, config: t.config, clock: () => t.clock.now, inFlight });
  const signedIn = new Browser(app);
  await registerWithTwoFactor(signedIn, t, "dora");
  const anonymous = new Browser(app);
  // A page, a signed-in page, a redirect, a file, a 404, a refused form, and the health check.
  const answers = async () =>
    Promise.all([
      anonymous.get("/login"),
      signedIn.get("/"),
      anonymous.get("/"),
      anonymous.get("/assets/htmx.min.js"),
      anonymous.get("/no-such-page"),
      anonymous.post("/login", {}, { csrf: false }),
      anonymous.get("/healthz"),
    ]);
  const before = await answers();
  expect(before.map((answer) => answer.status)).toEqual([200, 200, 303, 200, 404, 403, 200]);
  for (const answer of before) expect(answer.headers.get("connection")).toBeNull();

  inFlight.startDraining();
  const during = await answers();
  expect(during.map((answer) => answer.status)).toEqual([200, 200, 303, 200, 404, 403, 503]);
  for (const answer of during) expect(answer.headers.get("connection")).toBe("close");
  expect(await during[6]?.text()).toBe("stopping\n");
});
