// Staying available with real processes: two instances rolled behind HAProxy under load, the
// database restarted under load, and registration overloaded; and, in process, a SQLite file
// locked by another writer. Statuses and counts, never times.

import { Database as SqliteClient } from "bun:sqlite";
import { describe, expect, spyOn, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MOST_WAITING_HASHES } from "../src/auth/factors/passwords";
import { codeAt } from "../src/auth/factors/totp";
import { openDatabase } from "../src/db/database";
import { createApp } from "../src/demo/app";
import { loadConfig } from "../src/demo/config";
import { backend } from "./databases";
import { Browser, dom, GOOD_PASSWORD, readKey, TEST_SECRET } from "./helpers";
import { browserAt, codeOn, type Instance, newDatabase, registerOn, startInstance, withInstances } from "./instances";
import { freePort, rawConnection } from "./processes";

withInstances();

const haproxy = Bun.which("haproxy");
const throwawayPostgres = process.env.PG_THROWAWAY_DIR;

/** Every username the database holds. */
async function usernamesIn(url: string): Promise<Set<string>> {
  const database = await openDatabase(url, { poolSize: 1 });
  try {
    const users = await database.orm.select().from(database.tables.users);
    return new Set(users.map((user) => user.username));
  } finally {
    await database.close();
  }
}

/** A user with the app linked, signed in on the browser returned. */
async function signedInUser(browser: Browser, username: string): Promise<Browser> {
  expect((await registerOn(browser, username)).status).toBe(303);
  const key = await readKey(browser);
  // The current step's code: should the step turn before it is checked, it is the previous one, still in the window.
  expect((await codeOn(browser, codeAt(key, Date.now()))).status).toBe(200);
  expect((await browser.get("/")).status).toBe(200);
  return browser;
}

/**
 * Load until `stop()`: signed-in page views on kept-alive connections (`viewers` of them at
 * once), and a registration every `everyMs`. Each answer is kept, and each failure to get one.
 */
function load(viewers: Browser[], newBrowser: () => Browser, everyMs: number) {
  let running = true;
  const views: (number | string)[] = [];
  const registrations: { username: string; status: number | string; retryAfter: string | null }[] = [];
  const pending: Promise<unknown>[] = [];
  const failed = (error: unknown) => (error instanceof Error ? error.name : String(error));
  const viewing = viewers.map(async (browser) => {
    while (running) {
      views.push(await browser.request("GET", "/").then(({ status }) => status, failed));
    }
  });
  let made = 0;
  const registering = (async () => {
    while (running) {
      const username = `load${made++}`;
      pending.push(
        registerOn(newBrowser(), username).then(
          (answer) =>
            registrations.push({ username, status: answer.status, retryAfter: answer.headers.get("retry-after") }),
          (error) => registrations.push({ username, status: failed(error), retryAfter: null }),
        ),
      );
      await Bun.sleep(everyMs);
    }
  })();
  return {
    views,
    registrations,
    async stop() {
      running = false;
      await Promise.all([...viewing, registering]);
      await Promise.all(pending);
    },
  };
}

/** HAProxy in front of `ports`, checking each one's /healthz as its defaults do (HTTP/1.0, no Host). */
async function loadBalancer(ports: number[]) {
  const directory = mkdtempSync(join(tmpdir(), "haproxy-"));
  const front = freePort();
  const stats = freePort();
  const config = join(directory, "haproxy.cfg");
  writeFileSync(
    config,
    `defaults
  mode http
  timeout connect 2s
  timeout client 30s
  timeout server 30s
  retries 3
  option redispatch
frontend web
  bind 127.0.0.1:${front}
  default_backend app
frontend stats
  bind 127.0.0.1:${stats}
  stats enable
  stats uri /stats
backend app
  balance roundrobin
  option httpchk GET /healthz
  # Idle connections to a server serve any client's request, as many deployments set it: where a
  # stop that closes them at once loses requests HAProxy has already sent.
  http-reuse always
  default-server inter 200ms fall 2 rise 2
${ports.map((port, i) => `  server app${i} 127.0.0.1:${port} check`).join("\n")}
`,
  );
  const child = Bun.spawn([haproxy as string, "-db", "-f", config], { stdout: "ignore", stderr: "pipe" });
  /** Each server's state as HAProxy sees it: UP, DOWN, … */
  const states = async () => {
    const csv = await (await fetch(`http://127.0.0.1:${stats}/stats;csv`)).text();
    return csv
      .split("\n")
      .filter((line) => line.startsWith("app,app"))
      .map((line) => line.split(",")[17]);
  };
  const allUp = async () => {
    for (let tries = 0; tries < 200; tries++) {
      const now = await states().catch(() => []);
      if (now.length === ports.length && now.every((state) => state === "UP")) return;
      await Bun.sleep(50);
    }
    throw new Error(`HAProxy never saw every instance up: ${await states()}`);
  };
  return {
    base: `http://127.0.0.1:${front}`,
    allUp,
    async close() {
      child.kill();
      await child.exited;
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

describe("rolling two instances behind HAProxy", () => {
  test.skipIf(!haproxy && !process.env.CI)(
    "under load, each instance stopped with SIGTERM and started again: no failed request, no lost registration",
    async () => {
      const url = await newDatabase();
      const drain = { SHUTDOWN_DRAIN_SECONDS: "2", IP_RATE_LIMIT: "0" };
      const instances: Instance[] = [await startInstance(url, drain), await startInstance(url, drain)];
      const balancer = await loadBalancer(instances.map((instance) => instance.port));
      try {
        await balancer.allUp();
        const viewers = await Promise.all(
          Array.from({ length: 24 }, (_, i) => `viewer${i}`).map((name) =>
            signedInUser(browserAt(balancer.base), name),
          ),
        );
        const traffic = load(viewers, () => browserAt(balancer.base), 100);

        for (const [i, instance] of instances.entries()) {
          await Bun.sleep(500);
          instance.child.kill("SIGTERM");
          expect(await instance.child.exited).toBe(0);
          expect(await new Response(instance.child.stderr).text()).toBe("");
          instances[i] = await startInstance(url, drain, "ignore", instance.port);
          await balancer.allUp();
        }
        await Bun.sleep(500);
        await traffic.stop();

        expect(traffic.views.filter((status) => status !== 200)).toEqual([]);
        expect(traffic.views.length).toBeGreaterThan(50);
        expect(traffic.registrations.filter(({ status }) => status !== 303)).toEqual([]);
        expect(traffic.registrations.length).toBeGreaterThan(10);
        const stored = await usernamesIn(url);
        for (const { username } of traffic.registrations) expect(stored.has(username)).toBe(true);
      } finally {
        await balancer.close();
      }
    },
    60_000,
  );
});

describe("a SIGTERM drains before it stops", () => {
  test("a kept-alive connection is still answered during the drain, told to close, and /healthz says 503", async () => {
    const instance = await startInstance(await newDatabase(), { SHUTDOWN_DRAIN_SECONDS: "2" }, "pipe");
    const connection = await rawConnection(instance.port);
    const request = "GET /login HTTP/1.1\r\nHost: app.test\r\n\r\n";
    const before = await connection.send(request);
    expect(before === "closed" ? before : before.head).not.toMatch(/connection: close/i);

    instance.child.kill("SIGTERM");
    await Bun.sleep(300);
    const during = await connection.send(request);
    if (during === "closed") throw new Error("the kept-alive connection was closed without an answer");
    expect(during.head).toStartWith("HTTP/1.1 200");
    expect(during.head).toMatch(/\r\nconnection: close/i);
    expect(during.body).toContain('action="/login"');
    const health = await fetch(`${instance.base}/healthz`);
    expect(health.status).toBe(503);
    expect(await health.text()).toBe("stopping\n");

    expect(await instance.child.exited).toBe(0);
    const log = (await new Response(instance.child.stdout).text())
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    const messages = log.flatMap((entry) => (entry.message ? [entry.message] : []));
    expect(messages.slice(1)).toEqual([
      "SIGTERM: draining for 2 s (/healthz answers 503, every answer closes its connection)",
      "SIGTERM: finishing the requests in flight, then stopping",
      "stopped",
    ]);
    expect(log.filter((entry) => entry.path === "/login").map((entry) => entry.status)).toEqual([200, 200]);
  }, 30_000);
});

describe("the database restarted under load", () => {
  test.skipIf(backend !== "postgres" || !throwawayPostgres)(
    "answers 503 with Retry-After while it is away, never 500, logs the outage in two lines, and recovers by itself",
    async () => {
      const url = await newDatabase();
      const instance = await startInstance(url, { IP_RATE_LIMIT: "0" });
      const viewers = await Promise.all(["eve", "fay"].map((name) => signedInUser(instance.browser(), name)));
      const health: number[] = [];
      let checking = true;
      const checks = (async () => {
        while (checking) {
          health.push((await fetch(`${instance.base}/healthz`)).status);
          await Bun.sleep(50);
        }
      })();
      const traffic = load(viewers, () => instance.browser(), 20);
      await Bun.sleep(300);
      const restart = Bun.spawn(["scripts/throwaway-postgres.sh", "restart", throwawayPostgres as string, "1"], {
        cwd: join(import.meta.dir, ".."),
      });
      expect(await restart.exited).toBe(0);
      await Bun.sleep(1_000);
      await traffic.stop();
      checking = false;
      await checks;

      const statuses = [...traffic.views, ...traffic.registrations.map(({ status }) => status)];
      expect(statuses.filter((status) => ![200, 303, 503].includes(status as number))).toEqual([]);
      const refused = traffic.registrations.filter(({ status }) => status === 503);
      expect(traffic.views.filter((status) => status === 503).length + refused.length).toBeGreaterThan(0);
      for (const { retryAfter } of refused) expect(retryAfter).toBe("5");
      expect(health).toContain(503);
      expect(health.at(-1)).toBe(200);

      // Back without a restart of its own: pages, sign-ups, and the health check.
      expect((await viewers[0]?.get("/"))?.status).toBe(200);
      expect((await registerOn(instance.browser(), "after")).status).toBe(303);
      const stored = await usernamesIn(url);
      for (const { username, status } of traffic.registrations)
        if (status === 303) expect(stored.has(username)).toBe(true);

      instance.child.kill(9);
      await instance.child.exited;
      const stderr = (await new Response(instance.child.stderr).text()).trim().split("\n");
      expect(stderr[0]).toMatch(/^the database is unreachable \(\w+\): answering 503 until it answers$/);
      expect(stderr[1]).toMatch(/^the database answers again, after \d+\.\d s; \d+ requests were answered 503$/);
      expect(stderr).toHaveLength(2);
    },
    60_000,
  );
});

describe("the SQLite file held by another writer", () => {
  test.skipIf(backend !== "sqlite")(
    "a write that waits out the lock gets 503 with Retry-After and writes nothing; once it is free, the same form goes through",
    async () => {
      const url = await newDatabase();
      const database = await openDatabase(url);
      const app = createApp({
        database,
        config: loadConfig({ APP_SECRET: TEST_SECRET }, "production"),
        clock: Date.now,
      });
      const browser = new Browser(app);
      await browser.get("/register");
      const form = { username: "lena", password: GOOD_PASSWORD, confirm: GOOD_PASSWORD };
      // Another process's long write (a tool, another instance) holds the write lock past the busy timeout.
      const other = new SqliteClient(url);
      other.run("BEGIN IMMEDIATE");
      const logged: string[] = [];
      const silenced = spyOn(console, "error").mockImplementation((line: string) => void logged.push(line));
      const refused = await browser.post("/register", form);
      silenced.mockRestore();
      other.run("ROLLBACK");
      other.close();

      expect(refused.status).toBe(503);
      expect(refused.headers.get("retry-after")).toBe("2");
      expect((await dom(refused)).querySelector("h1")?.textContent).toBe("Try again in a moment");
      expect(logged).toEqual([
        "the database stayed locked by another connection past its busy timeout (SQLITE_BUSY): 1 request answered 503",
      ]);
      expect(await usernamesIn(url)).toEqual(new Set());

      expect((await browser.post("/register", form)).status).toBe(303);
      expect(await usernamesIn(url)).toEqual(new Set(["lena"]));
      await database.close();
    },
    20_000,
  );
});

describe("overload", () => {
  test("registrations beyond what hashing can take get 503 with Retry-After at once, and leave no account", async () => {
    const url = await newDatabase();
    const instance = await startInstance(url, { IP_RATE_LIMIT: "0" });
    const count = MOST_WAITING_HASHES * 3;
    const browsers = Array.from({ length: count }, () => instance.browser());
    await Promise.all(browsers.map((browser) => browser.get("/register")));
    const answers = await Promise.all(
      browsers.map(async (browser, i) => {
        const username = `rush${i}`;
        const answer = await browser.post("/register", {
          username,
          password: "correct horse battery staple",
          confirm: "correct horse battery staple",
        });
        return {
          username,
          status: answer.status,
          retryAfter: answer.headers.get("retry-after"),
          text: await answer.text(),
        };
      }),
    );

    expect(answers.filter(({ status }) => status !== 303 && status !== 503)).toEqual([]);
    const refused = answers.filter(({ status }) => status === 503);
    expect(refused.length).toBeGreaterThan(0);
    for (const { retryAfter, text } of refused) {
      expect(retryAfter).toBe("2");
      expect(text).toContain("Try again in a moment");
    }
    const stored = await usernamesIn(url);
    expect(stored).toEqual(new Set(answers.filter(({ status }) => status === 303).map(({ username }) => username)));
    // The line clears: the next one in is served.
    expect((await registerOn(instance.browser(), "later")).status).toBe(303);
    instance.child.kill(9);
    expect(await new Response(instance.child.stderr).text()).toBe("");
  }, 60_000);
});
