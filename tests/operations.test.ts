import { afterEach, expect, test } from "bun:test";
import { createApp } from "../src/app";
import type { RequestLogEntry } from "../src/web/operations";
import { Browser, GOOD_PASSWORD, ORIGIN, register, type TestApp, testApp } from "./helpers";

let t: TestApp;
afterEach(() => t.close());

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
  const app = createApp({
    database: t.database,
    config: t.config,
    clock: () => t.clock.now,
    logRequest: (entry) => entries.push(entry),
  });
  const browser = new Browser(app);
  await register(browser, "logan");
  await browser.get("/login?next=secret-in-query");
  await browser.post("/logout", {});
  await browser.get("/no-such-page");
  const forged = new Browser(app);
  forged.cookies.set("session", `forged.${"A".repeat(43)}`);
  await forged.get("/");
  // Each line is written once its answer is on its way, so the last one may lag a moment.
  for (let waited = 0; entries.length < 6 && waited < 1_000; waited += 10) await Bun.sleep(10);

  expect(entries.map(({ method, path, status }) => `${method} ${path} ${status}`)).toEqual([
    "GET /register 200",
    "POST /register 303",
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
