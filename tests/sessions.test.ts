import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { codeAt } from "../src/auth/factors/totp";
import { Browser, GOOD_PASSWORD, readKey, register, registerWithTwoFactor, type TestApp, testApp } from "./helpers";

let t: TestApp;
beforeEach(async () => {
  t = await testApp();
});
afterEach(() => t.close());

// Every field any form has, so that the gate, not validation, decides.
const anyForm = { username: "someone", password: GOOD_PASSWORD, confirm: GOOD_PASSWORD, otp: "123456" };

async function expectRedirect(browser: Browser, method: "GET" | "POST", path: string, to: string) {
  const response = method === "GET" ? await browser.get(path) : await browser.post(path, anyForm);
  expect({ method, path, status: response.status, location: response.headers.get("location") }).toEqual({
    method,
    path,
    status: 303,
    location: to,
  });
  const htmx =
    method === "GET" ? await browser.get(path, { htmx: true }) : await browser.post(path, anyForm, { htmx: true });
  // The home page is the host's whole document: a full navigation, never a swap into #main.
  if (to === "/") expect(htmx.headers.get("hx-redirect")).toBe(to);
  else expect(JSON.parse(htmx.headers.get("hx-location") ?? "{}").path).toBe(to);
}

/** A browser that knows the password but has not given a code yet. */
async function pendingAtCodeStep(username: string) {
  const owner = new Browser(t.app);
  const key = await registerWithTwoFactor(owner, t, username);
  const attacker = new Browser(t.app);
  await attacker.get("/login");
  await attacker.post("/login", { username, password: GOOD_PASSWORD });
  return { attacker, key };
}

describe("the gate: nothing behind sign-in answers while a session is pending", () => {
  test("a pending session at the code step is sent to /verify-2fa from everywhere else", async () => {
    const { attacker } = await pendingAtCodeStep("alice");
    for (const path of ["/", "/login", "/register", "/setup-2fa"]) {
      await expectRedirect(attacker, "GET", path, "/verify-2fa");
    }
    for (const path of ["/login", "/register"]) await expectRedirect(attacker, "POST", path, "/verify-2fa");
    expect((await attacker.get("/verify-2fa")).status).toBe(200);
  });

  test("a pending session that has not enrolled is sent to /setup-2fa", async () => {
    const browser = new Browser(t.app);
    await register(browser, "bob");
    for (const path of ["/", "/login", "/register"]) await expectRedirect(browser, "GET", path, "/setup-2fa");
    expect((await browser.get("/setup-2fa")).status).toBe(200);
    expect((await browser.get("/verify-2fa")).status).toBe(200);
  });

  test("an anonymous visitor is sent to /login", async () => {
    const browser = new Browser(t.app);
    await browser.get("/login");
    for (const path of ["/", "/setup-2fa", "/verify-2fa"]) await expectRedirect(browser, "GET", path, "/login");
    await expectRedirect(browser, "POST", "/verify-2fa", "/login");
  });

  test("a signed-in session is sent home from the sign-in steps", async () => {
    const browser = new Browser(t.app);
    await registerWithTwoFactor(browser, t, "carol");
    for (const path of ["/login", "/register", "/setup-2fa", "/verify-2fa"])
      await expectRedirect(browser, "GET", path, "/");
    await expectRedirect(browser, "POST", "/verify-2fa", "/");
  });

  test("a pending session expires after 10 minutes", async () => {
    const { attacker, key } = await pendingAtCodeStep("dave");
    t.clock.now += 10 * 60_000;
    const late = await attacker.post("/verify-2fa", { otp: codeAt(key, t.clock.now) });
    expect(late.headers.get("location")).toBe("/login");
    expect(attacker.cookies.has("tfa-session")).toBe(false);
  });
});

describe("session tokens", () => {
  test("each step up issues a new token and the old one stops working", async () => {
    const browser = new Browser(t.app);
    await register(browser, "erin");
    const pendingToken = browser.cookies.get("tfa-session");
    const key = await readKey(browser);
    await browser.post("/verify-2fa", { otp: codeAt(key, t.clock.now) });
    const signedInToken = browser.cookies.get("tfa-session");
    expect(signedInToken).toBeDefined();
    expect(signedInToken).not.toBe(pendingToken);

    const thief = new Browser(t.app);
    thief.cookies.set("tfa-session", pendingToken ?? "");
    expect((await thief.get("/")).headers.get("location")).toBe("/login");
  });

  test("the database holds the token's SHA-256, never the token", async () => {
    const browser = new Browser(t.app);
    await register(browser, "frank");
    const cookieToken = decodeURIComponent(browser.cookies.get("tfa-session") ?? "").split(".")[0] ?? "";
    expect(Buffer.from(cookieToken, "base64url").length).toBeGreaterThanOrEqual(32);
    const rows = await t.db.select().from(t.tables.sessions);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.id).toBe(new Bun.CryptoHasher("sha256").update(cookieToken).digest("hex"));
    expect(JSON.stringify(rows)).not.toContain(cookieToken);
  });

  test("sign out deletes the session row, so a copied cookie is dead", async () => {
    const browser = new Browser(t.app);
    await registerWithTwoFactor(browser, t, "gina");
    const copied = new Browser(t.app);
    copied.cookies = new Map(browser.cookies);
    await browser.post("/logout", {});
    expect(await t.db.select().from(t.tables.sessions)).toHaveLength(0);
    expect((await copied.get("/")).headers.get("location")).toBe("/login");
  });

  test("sign out is a POST: GET /logout changes nothing, and says which method it takes", async () => {
    const browser = new Browser(t.app);
    await registerWithTwoFactor(browser, t, "hank");
    const refused = await browser.get("/logout");
    expect(refused.status).toBe(405);
    expect(refused.headers.get("allow")).toBe("POST");
    expect((await browser.get("/")).status).toBe(200);
  });
});

describe("expired sessions", () => {
  test("are deleted by the clean-up, and only they", async () => {
    const early = new Browser(t.app);
    await register(early, "ivan");
    t.clock.now += 9 * 60_000;
    const late = new Browser(t.app);
    await register(late, "judy");
    t.clock.now += 2 * 60_000; // ivan's pending session is 11 minutes old, judy's 2
    await t.app.decorator.twoFactor.auth.deleteExpired();
    const rows = await t.db.select().from(t.tables.sessions);
    expect(rows).toHaveLength(1);
    expect((await late.get("/setup-2fa")).status).toBe(200);
  });
});

test("two tabs submitting the same right code at once step up exactly once", async () => {
  const browser = new Browser(t.app);
  await register(browser, "kate");
  const key = await readKey(browser);
  const otp = codeAt(key, t.clock.now);
  const [first, second] = await Promise.all([
    browser.post("/verify-2fa", { otp }),
    browser.post("/verify-2fa", { otp }),
  ]);
  const succeeded = [first, second].filter((response) => response?.status === 200);
  expect(succeeded).toHaveLength(1);
  expect(await t.db.select().from(t.tables.sessions)).toHaveLength(1);
});

test("a pending session read by two requests before either stepped up yields one signed-in session", async () => {
  const browser = new Browser(t.app);
  await register(browser, "liam");
  const key = await readKey(browser);
  const auth = t.app.decorator.twoFactor.auth;
  const token = decodeURIComponent(browser.cookies.get("tfa-session") ?? "").split(".")[0] ?? "";
  const pending = await auth.session(token);
  if (!pending) throw new Error("no pending session");
  const otp = codeAt(key, t.clock.now);
  const meta = { ip: null, userAgent: null };
  const results = await Promise.all([
    auth.verifyCode(pending, otp, meta, false),
    auth.verifyCode(pending, otp, meta, false),
  ]);
  expect(results.filter((result) => "session" in result)).toHaveLength(1);
  expect(results.find((result) => "reason" in result)).toEqual({
    reason: expect.stringMatching(/^(already_completed|replayed_code)$/),
  });
  expect(await t.db.select().from(t.tables.sessions)).toHaveLength(1);
});
