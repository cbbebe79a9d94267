// Real server processes on one database, as a deployment runs them behind a load balancer:
// on a SQLite file by default, on PostgreSQL under TEST_DATABASE_URL.

import { Database as SqliteClient } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { MOST_WAITING_HASHES } from "../src/auth/factors/passwords";
import { codeAt } from "../src/auth/factors/totp";
import { openDatabase } from "../src/db/database";
import { backend } from "./databases";
import { type Browser, dom, GOOD_PASSWORD, readKey, wrongCodeAt } from "./helpers";
import { codeOn, newDatabase, passwordOn, registerOn, startInstance, withInstances } from "./instances";
import { smtpSink } from "./smtp-sink";

withInstances();

const STEP = 30_000;

describe("several instances on one database", () => {
  test("behave as one: sign-in, replay, revocation and lockout cross instances", async () => {
    const url = await newDatabase();
    // Both start at once on an empty database: one migrates, the other waits for it.
    const [a, b] = await Promise.all([startInstance(url), startInstance(url)]);
    if (!a || !b) throw new Error("an instance did not start");
    // The bundle finds its files beside it: the migrations ran, and the assets are served.
    expect((await fetch(`${a.base}/assets/htmx.min.js`)).status).toBe(200);

    // 1. Register and turn 2FA on at A, with the previous step's code so that the current one is still unused.
    const owner = a.browser();
    expect((await registerOn(owner, "maria")).status).toBe(303);
    const key = await readKey(owner);
    const enabled = await codeOn(owner, codeAt(key, Date.now() - STEP));
    expect(enabled.status).toBe(200);
    expect((await owner.get("/")).status).toBe(200);
    // The session records the address of the socket it came from (no proxy header is trusted here).
    expect((await dom(await owner.get("/account"))).body.textContent).toMatch(/IP (::ffff:)?127\.0\.0\.1\b/);

    // 2. Sign in at B with the current code.
    const laptop = b.browser();
    expect((await passwordOn(laptop, "maria")).headers.get("location")).toBe("/verify-2fa");
    const code = codeAt(key, Date.now());
    expect((await codeOn(laptop, code)).headers.get("location")).toBe("/");
    expect((await laptop.get("/")).status).toBe(200);

    // 3. The same code, replayed at A, is refused.
    const replayer = a.browser();
    await passwordOn(replayer, "maria");
    const replay = await codeOn(replayer, code);
    expect(replay.status).toBe(422);
    expect((await dom(replay)).body.textContent).toContain("already used");

    // 4. Signing out the other sessions at A ends the one at B.
    expect((await owner.post("/account/sessions/revoke-others", {})).status).toBe(303);
    expect((await laptop.get("/")).headers.get("location")).toBe("/login");
    expect((await owner.get("/")).status).toBe(200);

    // 5. The replay at A was the first failure; four wrong codes at B make five, and lock the
    // account's code step at A too, even for the right code.
    const guesser = b.browser();
    await passwordOn(guesser, "maria");
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 4; attempt++) {
      statuses.push((await codeOn(guesser, wrongCodeAt(key, Date.now()))).status);
    }
    expect(statuses).toEqual([422, 422, 422, 429]);
    const rightful = a.browser();
    expect((await passwordOn(rightful, "maria")).headers.get("location")).toBe("/verify-2fa");
    const locked = await codeOn(rightful, codeAt(key, Date.now() + STEP));
    expect(locked.status).toBe(429);
    expect(locked.headers.get("retry-after")).not.toBeNull();
  }, 60_000);

  test("a SIGTERM lets the requests in flight finish, then the process exits 0", async () => {
    const instance = await startInstance(await newDatabase(), { IP_RATE_LIMIT: "0" }, "pipe");
    const browsers = Array.from({ length: 8 }, () => instance.browser());
    await Promise.all(browsers.map((browser) => browser.get("/register")));
    // Hashing runs a few at a time, so eight registrations keep the server busy for a while.
    let answered = 0;
    const registrations = browsers.map((browser, i) =>
      browser
        .post("/register", { username: `term${i}`, password: GOOD_PASSWORD, confirm: GOOD_PASSWORD })
        .then((response: Response) => {
          answered++;
          return response.status;
        }),
    );
    while (answered === 0) await Bun.sleep(1);
    const signalled = performance.now();
    instance.child.kill("SIGTERM");

    expect(await Promise.all(registrations)).toEqual(Array(8).fill(303));
    expect(await instance.child.exited).toBe(0);
    // Well inside the 10 s grace: nothing waited on an idle connection.
    expect(performance.now() - signalled).toBeLessThan(5_000);
    expect(await fetch(`${instance.base}/healthz`).catch(() => "refused")).toBe("refused");

    const lines = (await new Response(instance.child.stdout).text()).trim().split("\n");
    const logged = lines.map((line) => JSON.parse(line));
    expect(
      logged.filter((entry) => entry.method === "POST" && entry.path === "/register" && entry.status === 303),
    ).toHaveLength(8);
    expect(logged.at(-1)?.message).toBe("stopped");
    expect(lines.join("\n")).not.toContain(GOOD_PASSWORD);
  }, 60_000);
  test("a SIGTERM after clients left with their forms in flight: each is finished, logged and whole, then exit 0", async () => {
    const url = await newDatabase();
    const instance = await startInstance(url, { IP_RATE_LIMIT: "0" }, "pipe");
    const browsers = Array.from({ length: 8 }, () => instance.browser());
    await Promise.all(browsers.map((browser) => browser.get("/register")));
    const leave = new AbortController();
    const sent = browsers.map((browser, i) =>
      browser
        .post(
          "/register",
          { username: `left${i}`, password: GOOD_PASSWORD, confirm: GOOD_PASSWORD },
          { signal: leave.signal },
        )
        .then(
          (response) => response.status,
          (error: Error) => error.name,
        ),
    );
    // Hashing runs a few at a time: a moment in, some are hashing and the rest wait their turn.
    await Bun.sleep(40);
    leave.abort();
    instance.child.kill("SIGTERM");

    expect(await instance.child.exited).toBe(0);
    const outcomes = await Promise.all(sent);
    expect(outcomes).toContain("AbortError");
    for (const outcome of outcomes) expect([303, "AbortError"]).toContain(outcome);
    expect(await new Response(instance.child.stderr).text()).toBe("");
    const logged = (await new Response(instance.child.stdout).text())
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(logged.at(-1)?.message).toBe("stopped");
    // Every form that reached the server was finished and logged (on a loaded machine a client may
    // hang up before its form was even sent: that one never reached a handler).
    const registered = logged.filter((entry) => entry.method === "POST" && entry.path === "/register");
    expect(registered.length).toBeGreaterThan(0);
    expect(registered.map((entry) => entry.status)).toEqual(Array(registered.length).fill(303));
    // The server's own stop was done with them once their clients had gone; the handlers went on.
    const database = await openDatabase(url, {});
    try {
      const users = await database.orm.select().from(database.tables.users);
      expect(users).toHaveLength(registered.length);
      for (const user of users) expect(await Bun.password.verify(GOOD_PASSWORD, user.passwordHash)).toBe(true);
      const names = new Set(users.map((user) => user.username));
      const leftAndFinished = outcomes.filter((outcome, i) => outcome === "AbortError" && names.has(`left${i}`));
      expect(leftAndFinished.length).toBeGreaterThan(0);
    } finally {
      await database.close();
    }
  }, 60_000);
});

describe("a crash", () => {
  test("kill -9 during a burst of registrations: every answered one is whole, the rest left nothing half-written", async () => {
    const url = await newDatabase();
    const first = await startInstance(url, { IP_RATE_LIMIT: "0" });
    // As many as the line of hashes takes: none is refused for overload before the kill.
    const names = Array.from({ length: MOST_WAITING_HASHES }, (_, i) => `burst${i}`);
    const browsers = names.map(() => first.browser());
    let succeeded = 0;
    const outcomes = names.map((name, i) =>
      registerOn(browsers[i] as Browser, name).then(
        ({ status }) => {
          if (status === 303) succeeded++;
          return status;
        },
        () => "cut" as const,
      ),
    );
    while (succeeded < 40) await Bun.sleep(1);
    first.child.kill(9);
    const statuses = await Promise.all(outcomes);
    const answered = names.filter((_, i) => statuses[i] === 303);
    const unanswered = names.filter((_, i) => statuses[i] !== 303);
    expect(answered.length).toBeGreaterThanOrEqual(40);
    expect(unanswered.length).toBeGreaterThan(0);
    expect(statuses.filter((status) => status !== 303 && status !== "cut")).toEqual([]);

    if (backend === "sqlite") {
      const file = new SqliteClient(url, { readonly: true });
      expect(file.query("PRAGMA integrity_check").get()).toEqual({ integrity_check: "ok" });
      file.close();
    }
    const second = await startInstance(url, { IP_RATE_LIMIT: "0" });

    // Every answered registration is there and its session still works; every account has its log entry.
    const database = await openDatabase(url, { poolSize: 1 });
    const users = await database.orm.select().from(database.tables.users);
    const events = await database.orm.select().from(database.tables.securityEvents);
    await database.close();
    const stored = new Set(users.map((user) => user.username));
    const registeredIds = new Set(events.filter((event) => event.type === "registered").map((event) => event.userId));
    for (const name of answered) expect(stored.has(name)).toBe(true);
    for (const user of users) expect(registeredIds.has(user.id)).toBe(true);
    for (const [i, name] of names.entries()) {
      if (statuses[i] !== 303) continue;
      const moved = second.browser(browsers[i]?.cookies);
      expect((await moved.get("/setup-2fa")).status).toBe(200);
      expect(name).toStartWith("burst");
    }
    // Every row is a whole account: a complete argon2id hash, no key yet.
    for (const user of users) {
      expect(user.passwordHash).toMatch(/^\$argon2id\$v=19\$m=7168,t=5,p=1\$[A-Za-z0-9+/]{43}\$[A-Za-z0-9+/]{43}$/);
      expect(user.totpSecret).toBeNull();
    }

    // Each cut registration either took whole (its password signs in) or left nothing (the name is free).
    const outcomesAfter = await Promise.all(
      unanswered.map(async (name) => {
        const browser = second.browser();
        const signIn = await passwordOn(browser, name);
        if (signIn.headers.get("location") === "/setup-2fa") return "whole";
        expect(signIn.status).toBe(422);
        expect(stored.has(name)).toBe(false);
        return (await registerOn(browser, name)).status === 303 ? "free" : "blocked";
      }),
    );
    expect(outcomesAfter.filter((outcome) => outcome === "blocked")).toEqual([]);
    const count = (outcome: string) => outcomesAfter.filter((after) => after === outcome).length;
    console.info(
      `${backend}: ${answered.length} registrations answered before the kill; of the ${unanswered.length} cut, ${count("whole")} took whole and ${count("free")} left nothing`,
    );
  }, 120_000);
});

test("the bundle bun run start runs: notices as JSON lines on stdout, and by email over SMTP_URL once confirmed", async () => {
  const sink = smtpSink();
  try {
    const instance = await startInstance(
      await newDatabase(),
      { SMTP_URL: sink.url, MAIL_FROM: "alerts@app.test" },
      "pipe",
    );
    const owner = instance.browser();
    await registerOn(owner, "nora");
    const key = await readKey(owner);
    expect((await codeOn(owner, codeAt(key, Date.now() - STEP))).status).toBe(200);
    await owner.get("/account");
    const asked = await owner.post("/account/notice-email", { email: "nora@example.com", otp: "" });
    expect(asked.status).toBe(200);
    const link = new URL(/http\S+/.exec((await sink.nth(1)).text)?.[0] ?? "").pathname;
    const phone = instance.browser();
    await phone.get(link);
    expect((await phone.post(link, {})).status).toBe(200);
    await owner.get("/account");
    expect((await owner.post("/account/recovery-codes", { otp: "" })).status).toBe(200);
    const mailed = await sink.nth(2);
    expect(mailed.subject).toBe("Two-Factor Auth: New recovery codes made; the old ones stopped working");

    instance.child.kill("SIGTERM");
    expect(await instance.child.exited).toBe(0);
    const lines = (await new Response(instance.child.stdout).text()).trim().split("\n");
    const notices = lines.map((line) => JSON.parse(line)).filter((entry) => entry.securityNotice);
    expect(notices.map((entry) => entry.securityNotice.event)).toEqual(["recovery_codes_regenerated"]);
    expect(notices[0].securityNotice).toMatchObject({ username: "nora", email: "nora@example.com" });
    expect(mailed.text).toContain(notices[0].securityNotice.repudiateUrl);
  } finally {
    sink.stop();
  }
}, 60_000);
