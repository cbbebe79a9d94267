import { afterEach, describe, expect, test } from "bun:test";
import { codeAt } from "../src/auth/factors/totp";
import { Browser, enroll, GOOD_PASSWORD, signInWithPassword, type TestApp, testApp } from "./helpers";

let t: TestApp;
afterEach(() => t.close());

const DAY = 24 * 60 * 60_000;

describe("the per-IP budget", () => {
  function from(ip: string) {
    return { headers: { "x-forwarded-for": ip } };
  }

  test("IP_RATE_LIMIT unsafe requests a minute per IP, then 429 with Retry-After; other IPs are unaffected", async () => {
    t = await testApp({ IP_RATE_LIMIT: "3", TRUSTED_PROXY_HEADER: "X-Forwarded-For" });
    const browser = new Browser(t.app);
    await browser.get("/login");
    let name = 0; // a new name each time, so that only the IP budget can refuse
    const attempt = (ip: string) =>
      browser.post("/login", { username: `someone${name++}`, password: "wrong password" }, from(ip));
    for (let i = 0; i < 3; i++) expect((await attempt("203.0.113.7")).status).toBe(422);
    const refused = await attempt("203.0.113.7");
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("20");
    expect(await refused.text()).toContain("Too many attempts from your network. Try again in 20 seconds.");
    expect((await attempt("198.51.100.1")).status).toBe(422);

    t.clock.now += 20_000; // one request's worth refilled
    expect((await attempt("203.0.113.7")).status).toBe(422);
    expect((await attempt("203.0.113.7")).status).toBe(429);
  });

  test("registration sits behind the budget, since it has to say which names are taken", async () => {
    t = await testApp({ IP_RATE_LIMIT: "2", TRUSTED_PROXY_HEADER: "x-forwarded-for" });
    const browser = new Browser(t.app);
    await browser.get("/register");
    const probe = (name: string) =>
      browser.post("/register", { username: name, password: "x", confirm: "x" }, from("203.0.113.9"));
    expect((await probe("alice")).status).toBe(422);
    expect((await probe("bob")).status).toBe(422);
    expect((await probe("carol")).status).toBe(429);
  });

  test("passwordless sign-in sits behind the budget: its options and its answers", async () => {
    t = await testApp({ IP_RATE_LIMIT: "2", TRUSTED_PROXY_HEADER: "x-forwarded-for" });
    const browser = new Browser(t.app);
    await browser.get("/login");
    expect((await browser.post("/login/passkey/options", {}, from("203.0.113.10"))).status).toBe(200);
    expect((await browser.post("/login/passkey", { credential: "{}" }, from("203.0.113.10"))).status).toBe(422);
    const over = await browser.post("/login/passkey/options", {}, from("203.0.113.10"));
    expect(over.status).toBe(429);
    expect(over.headers.get("retry-after")).not.toBeNull();
  });

  test("only the address the trusted proxy appended counts, not what the client put before it", async () => {
    t = await testApp({ IP_RATE_LIMIT: "1", TRUSTED_PROXY_HEADER: "x-forwarded-for" });
    const browser = new Browser(t.app);
    await browser.get("/login");
    const attempt = (header: string) =>
      browser.post("/login", { username: "someone", password: "wrong password" }, from(header));
    expect((await attempt("1.1.1.1, 203.0.113.7")).status).toBe(422);
    expect((await attempt("2.2.2.2, 203.0.113.7")).status).toBe(429);
  });

  test("the default is 60 a minute, and 0 turns it off", async () => {
    for (const [limit, refusedAfter] of [
      [undefined, 60],
      ["0", null],
    ] as const) {
      t = await testApp(limit === undefined ? {} : { IP_RATE_LIMIT: limit });
      const browser = new Browser(t.app);
      await browser.get("/login");
      const statuses = [];
      for (let i = 0; i < 70; i++) {
        statuses.push((await browser.post("/logout", {})).status);
        await browser.get("/login"); // signing out renews the CSRF nonce
      }
      expect(statuses.indexOf(429)).toBe(refusedAfter ?? -1);
      await t.close();
    }
    t = await testApp();
  });
});

describe("session lifetime", () => {
  test("a signed-in session ends after 7 idle days", async () => {
    t = await testApp();
    const browser = new Browser(t.app);
    await enroll(browser, t, "alice");
    t.clock.now += 7 * DAY - 60_000;
    expect((await browser.get("/")).status).toBe(200);
    t.clock.now += 7 * DAY - 60_000; // used a minute before the idle limit, so it slid
    expect((await browser.get("/")).status).toBe(200);
    t.clock.now += 7 * DAY;
    expect((await browser.get("/")).headers.get("location")).toBe("/login");
  });

  test("and after 30 days whatever happens", async () => {
    t = await testApp();
    const browser = new Browser(t.app);
    await enroll(browser, t, "bob");
    for (let day = 5; day < 30; day += 5) {
      t.clock.now += 5 * DAY;
      expect((await browser.get("/")).status).toBe(200);
    }
    t.clock.now += 5 * DAY;
    expect((await browser.get("/")).headers.get("location")).toBe("/login");
  });

  test("both are configurable, and the cookie lasts to the absolute limit", async () => {
    t = await testApp({ SESSION_IDLE_DAYS: "1", SESSION_ABSOLUTE_DAYS: "2" });
    const browser = new Browser(t.app);
    const { key } = await enroll(browser, t, "carol");
    await browser.post("/logout", {});
    await signInWithPassword(browser, "carol", GOOD_PASSWORD);
    const signedIn = await browser.post("/verify-2fa", { otp: codeAt(key, t.clock.now) });
    const cookie = signedIn.headers.getSetCookie().find((header) => header.startsWith("tfa-session="));
    expect(new Date(cookie?.match(/Expires=([^;]+)/)?.[1] ?? "").getTime()).toBe(
      Math.floor((t.clock.now + 2 * DAY) / 1000) * 1000,
    );
    t.clock.now += DAY + 1000;
    expect((await browser.get("/")).headers.get("location")).toBe("/login");
  });
});
