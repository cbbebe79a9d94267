import { afterEach, expect, spyOn, test } from "bun:test";
import { codeAt } from "../src/auth/factors/totp";
import {
  Browser,
  dom,
  enroll,
  GOOD_PASSWORD,
  readKey,
  register,
  signInWithPassword,
  type TestApp,
  testApp,
  wrongCodeAt,
} from "./helpers";

let t: TestApp;
afterEach(() => t.close());

const client = { "x-forwarded-for": "203.0.113.5", "user-agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0" };

test("every security event is recorded with time, user, IP and user agent, and no secret is logged anywhere", async () => {
  t = await testApp({ TRUSTED_PROXY_HEADER: "x-forwarded-for" });
  const printed: string[] = [];
  const consoleSpies = (["log", "info", "warn", "error", "debug"] as const).map((method) =>
    spyOn(console, method).mockImplementation((...args: unknown[]) => {
      printed.push(args.map(String).join(" "));
    }),
  );
  const secrets: string[] = [GOOD_PASSWORD, "wrong password"];
  const codes: string[] = [];

  const browser = new Browser(t.app, undefined, client);
  await register(browser, "alice");
  const key = await readKey(browser);
  secrets.push(key);
  codes.push(wrongCodeAt(key, t.clock.now));
  await browser.post("/verify-2fa", { otp: codes.at(-1) ?? "" });
  codes.push(codeAt(key, t.clock.now));
  const enrolled = await browser.post("/verify-2fa", { otp: codes.at(-1) ?? "" });
  const recovery = [...(await dom(enrolled)).querySelectorAll(".code-list code")].map((code) => code.textContent);
  secrets.push(...recovery);
  await browser.get("/");
  secrets.push(...browser.cookies.values(), browser.csrfToken);
  await browser.post("/logout", {});

  await signInWithPassword(browser, "alice", "wrong password");
  await signInWithPassword(browser, "alice");
  secrets.push(...browser.cookies.values());
  await browser.post("/verify-2fa", { otp: codes.at(-1) ?? "" }); // a replay
  for (let i = 0; i < 4; i++) {
    codes.push(wrongCodeAt(key, t.clock.now));
    await browser.post("/verify-2fa", { otp: codes.at(-1) ?? "" });
  }
  t.clock.now += 60_000;
  await signInWithPassword(browser, "alice");
  await browser.postAndFollow("/verify-2fa", { otp: recovery[0] ?? "" });
  secrets.push(...browser.cookies.values());
  await browser.post("/logout", {});

  const events = await t.db.select().from(t.tables.securityEvents);
  expect(events.map((event) => event.type)).toEqual([
    "registered",
    "code_failed",
    "signed_in",
    "two_factor_enabled",
    "signed_out",
    "password_failed",
    "replay_refused",
    "code_failed",
    "code_failed",
    "code_failed",
    "code_failed",
    "locked_out",
    "recovery_code_used",
    "signed_in",
    "signed_out",
  ]);
  for (const event of events) {
    expect(event.userId).toBe(1);
    expect(event.ip).toBe("203.0.113.5");
    expect(event.userAgent).toBe(client["user-agent"]);
    expect(event.createdAt).toBeGreaterThan(0);
  }

  // The whole database as text, and everything printed: no password, key, code, token or cookie.
  const dump = JSON.stringify(await Promise.all(Object.values(t.tables).map((table) => t.db.select().from(table))));
  const eventText = JSON.stringify(events.map(({ type, detail, ip, userAgent }) => ({ type, detail, ip, userAgent })));
  for (const secret of secrets) {
    expect(dump).not.toContain(secret);
    expect(printed.join("\n")).not.toContain(secret);
  }
  for (const code of codes) {
    expect(eventText).not.toContain(code);
    expect(printed.join("\n")).not.toContain(code);
  }
  for (const spy of consoleSpies) spy.mockRestore();
});

test("a failed sign-in under an unknown name is recorded without a user", async () => {
  t = await testApp();
  await enroll(new Browser(t.app), t, "bob");
  await signInWithPassword(new Browser(t.app), "nobody", "wrong password");
  const [event] = (await t.db.select().from(t.tables.securityEvents)).filter((row) => row.type === "password_failed");
  expect(event?.userId).toBeNull();
});

test("details are stored as data and worded by the page; a row from before, holding a sentence, still shows", async () => {
  t = await testApp();
  const browser = new Browser(t.app);
  const { key } = await enroll(browser, t, "olga");
  const pending = new Browser(t.app);
  await signInWithPassword(pending, "olga");
  for (let i = 0; i < 5; i++) await pending.post("/verify-2fa", { otp: wrongCodeAt(key, t.clock.now) });
  const [user] = await t.db.select().from(t.tables.users);
  const events = await t.db.select().from(t.tables.securityEvents);
  const lock = events.find((event) => event.type === "locked_out");
  expect(JSON.parse(lock?.detail ?? "null")).toEqual({ lockedUntil: t.clock.now + 60_000 });
  // As an older version wrote it: a sentence in the detail column.
  await t.db.insert(t.tables.securityEvents).values({
    type: "recovery_code_used",
    userId: user?.id ?? null,
    detail: "3 left",
    createdAt: t.clock.now,
  });
  const log = (await dom(await browser.get("/account"))).querySelector("#security-log")?.textContent ?? "";
  expect(log).toContain("Locked after too many failed attempts, until 2026-11-24 12:01 UTC");
  expect(log).toContain("Recovery code used");
  expect(log).not.toContain("3 left");
});
