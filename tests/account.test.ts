import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { normalizeRecoveryCode } from "../src/auth/factors/recovery-codes";
import { codeAt } from "../src/auth/factors/totp";
import { createStores } from "../src/auth/stores";
import {
  Browser,
  dom,
  enroll,
  GOOD_PASSWORD,
  noteOf,
  signIn,
  signInWithPassword,
  TEST_SECRET,
  type TestApp,
  testApp,
  wrongCodeAt,
} from "./helpers";

const DAY = 24 * 60 * 60_000;

let t: TestApp;
beforeEach(async () => {
  t = await testApp();
});
afterEach(() => t.close());

const FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:140.0) Gecko/20100101 Firefox/140.0";
const SAFARI_IPHONE =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1";
const NEW_PASSWORD = "purple elephant dancing quietly";

/** A user with 2FA on, signed in on `browser`; the clock is past the enrolling step. */
async function signedInUser(username: string, userAgent = FIREFOX_WINDOWS) {
  const browser = new Browser(t.app, undefined, { "user-agent": userAgent });
  const enrolled = await enroll(browser, t, username);
  await browser.get("/account");
  return { browser, ...enrolled };
}

/** Where a browser is sent when it asks for `/`: "/" while its session lives, "/login" once it is gone. */
async function homeOf(browser: Browser): Promise<string> {
  const response = await browser.get("/");
  return response.status === 200 ? "/" : (response.headers.get("location") ?? "");
}

describe("the account page", () => {
  test("shows every panel as a whole page, and as a fragment for htmx", async () => {
    const { browser } = await signedInUser("alice");
    const full = await browser.get("/account");
    expect(full.status).toBe(200);
    expect(full.headers.get("vary")).toBe("HX-Request");
    const page = await dom(full);
    expect(page.querySelector("title")?.textContent).toContain("Security settings");
    const panels = [...page.querySelectorAll("section.panel")].map((panel) => panel.id);
    expect(panels).toEqual(["two-factor", "passkeys", "password", "sessions", "trusted-browsers", "security-log"]);
    expect(page.querySelector("#two-factor")?.textContent).toContain("10 recovery codes left");

    const fragment = await browser.get("/account", { htmx: true });
    const html = await fragment.text();
    expect(html.startsWith("<title>")).toBe(true);
    expect(html).not.toContain("<html");
    expect(html).toContain('id="sessions"');
  });

  test("is for signed-in sessions only: a pending one is sent to its code step, anyone else to /login", async () => {
    await signedInUser("bob");
    const pending = new Browser(t.app);
    await signInWithPassword(pending, "bob");
    expect((await pending.get("/account")).headers.get("location")).toBe("/verify-2fa");
    expect((await pending.post("/account/recovery-codes", { otp: "123456" })).headers.get("location")).toBe(
      "/verify-2fa",
    );
    const anonymous = new Browser(t.app);
    await anonymous.get("/login");
    expect((await anonymous.get("/account")).headers.get("location")).toBe("/login");
  });

  test("refuses a form without its CSRF token, changing nothing", async () => {
    const { browser, key } = await signedInUser("carol");
    const forged = await browser.post("/account/recovery-codes", { otp: codeAt(key, t.clock.now) }, { csrf: false });
    expect(forged.status).toBe(403);
    expect((await dom(await browser.get("/account"))).querySelector("#two-factor")?.textContent).toContain(
      "10 recovery codes left",
    );
  });
});

describe("new recovery codes", () => {
  test("need a current code; the new ones work and every old one is refused", async () => {
    const { browser, key, recoveryCodes: oldCodes } = await signedInUser("dave");
    const wrong = await browser.post("/account/recovery-codes", { otp: wrongCodeAt(key, t.clock.now) }, { htmx: true });
    expect(wrong.status).toBe(422);
    const wrongPanel = await dom(wrong);
    expect(noteOf(wrongPanel, "regenerate-otp")).toContain("not right");
    expect(wrongPanel.querySelector(".code-list")).toBeNull();

    const made = await browser.post("/account/recovery-codes", { otp: codeAt(key, t.clock.now) }, { htmx: true });
    expect(made.status).toBe(200);
    const panel = await dom(made);
    const newCodes = [...panel.querySelectorAll("#two-factor .code-list code")].map((code) => code.textContent ?? "");
    expect(newCodes).toHaveLength(10);
    expect(newCodes.some((code) => oldCodes.includes(code))).toBe(false);
    // The log is swapped out of band beside the panel.
    expect(panel.querySelector('#security-log[hx-swap-oob="true"]')?.textContent).toContain("New recovery codes made");

    const withOld = new Browser(t.app);
    await signInWithPassword(withOld, "dave");
    expect((await withOld.post("/verify-2fa?recovery", { otp: oldCodes[0] ?? "" })).status).toBe(422);
    expect((await withOld.post("/verify-2fa?recovery", { otp: newCodes[0] ?? "" })).headers.get("location")).toBe("/");
  });

  test("replacements racing leave one set of ten, never two sets mixed", async () => {
    const { browser, key, recoveryCodes } = await signedInUser("dina");
    const token = decodeURIComponent(browser.cookies.get("tfa-session") ?? "").split(".")[0] ?? "";
    const current = await t.app.decorator.twoFactor.auth.session(token);
    if (!current) throw new Error("no session");
    const meta = { ip: null, userAgent: null };
    const regenerate = (otp: string) =>
      t.app.decorator.twoFactor.auth.account.regenerateRecoveryCodes(current, { otp, assertion: "" }, meta);
    // Two proofs that hold, a current code and a recovery code. Whether the second is still good
    // when it is checked depends on who is first; either way, one set of ten is left.
    const made = await Promise.all([regenerate(codeAt(key, t.clock.now)), regenerate(recoveryCodes[0] ?? "")]);
    expect(made.filter((result) => "codes" in result).length).toBeGreaterThanOrEqual(1);
    expect(await t.app.decorator.twoFactor.auth.recoveryCodesLeft(current.user.id)).toBe(10);

    // The store itself, raced harder: three replacements at once, ten times over.
    const store = createStores(t.database, () => t.clock.now, { idleMs: DAY, absoluteMs: DAY }, TEST_SECRET);
    for (let round = 0; round < 10; round++) {
      const sets = await Promise.all([1, 2, 3].map(() => store.recoveryCodes.replaceAll(current.user.id)));
      expect(await store.recoveryCodes.remaining(current.user.id)).toBe(10);
      // Exactly one of the sets shown works: the one written last.
      const working = await Promise.all(
        sets.map(async (set) => {
          const symbols = normalizeRecoveryCode(set[0] ?? "") ?? "";
          return (await store.recoveryCodes.use(current.user.id, symbols)) !== null;
        }),
      );
      expect(working.filter(Boolean)).toHaveLength(1);
    }
  });

  test("the count the home page shows, kept on the user's row, matches the codes after every kind of write, raced", async () => {
    const { browser, recoveryCodes } = await signedInUser("dave");
    const token = decodeURIComponent(browser.cookies.get("tfa-session") ?? "").split(".")[0] ?? "";
    const userId = (await t.app.decorator.twoFactor.auth.session(token))?.user.id ?? -1;
    const store = createStores(t.database, () => t.clock.now, { idleMs: DAY, absoluteMs: DAY }, TEST_SECRET);
    const counts = async () => {
      const [row] = await t.db.select().from(t.tables.users).where(eq(t.tables.users.id, userId));
      return { onRow: row?.recoveryCodesLeft, codes: await store.recoveryCodes.remaining(userId) };
    };
    const shown = async () => (await dom(await browser.get("/"))).querySelector("main")?.textContent ?? "";
    expect(await counts()).toEqual({ onRow: 10, codes: 10 });

    // Four spends at once, one code twice: three succeed.
    const symbols = recoveryCodes.map((code) => normalizeRecoveryCode(code) ?? "");
    const spends = await Promise.all(
      [symbols[0], symbols[0], symbols[1], symbols[2]].map((code) => store.recoveryCodes.use(userId, code ?? "")),
    );
    expect(spends.filter((left) => left !== null)).toHaveLength(3);
    expect(await counts()).toEqual({ onRow: 7, codes: 7 });

    // Spends racing a replacement: whichever comes first, ten new codes are left.
    const [, fresh] = await Promise.all([
      store.recoveryCodes.use(userId, symbols[3] ?? ""),
      store.recoveryCodes.replaceAll(userId),
      store.recoveryCodes.use(userId, symbols[4] ?? ""),
    ]);
    expect(await counts()).toEqual({ onRow: 10, codes: 10 });
    for (const code of fresh.slice(0, 2)) await store.recoveryCodes.use(userId, normalizeRecoveryCode(code) ?? "");
    expect(await counts()).toEqual({ onRow: 8, codes: 8 });
    expect(await shown()).toContain("8 recovery codes left.");

    // As an administrator's reset of 2FA deletes them.
    await store.recoveryCodes.deleteAll(userId);
    expect(await counts()).toEqual({ onRow: 0, codes: 0 });
  });

  test("without JavaScript, the answer is the whole page with the new codes in its panel", async () => {
    const { browser, key } = await signedInUser("dora");
    const made = await browser.post("/account/recovery-codes", { otp: codeAt(key, t.clock.now) });
    expect(made.status).toBe(200);
    const html = await made.clone().text();
    expect(html.startsWith("<!doctype html>")).toBe(true);
    const page = await dom(made);
    expect(page.querySelectorAll("#two-factor .code-list code")).toHaveLength(10);
    expect(page.querySelector("#sessions")?.hasAttribute("hx-swap-oob")).toBe(false);
  });

  test("the code that signed in cannot be replayed to make them", async () => {
    const browser = new Browser(t.app);
    const { key } = await enroll(new Browser(t.app), t, "erin");
    await signInWithPassword(browser, "erin");
    const code = codeAt(key, t.clock.now);
    await browser.post("/verify-2fa", { otp: code });
    await browser.get("/account");
    const replay = await browser.post("/account/recovery-codes", { otp: code });
    expect(replay.status).toBe(422);
    expect(noteOf(await dom(replay), "regenerate-otp")).toContain("already used");
  });

  test("wrong codes here count against the sign-in lockout", async () => {
    const { browser, key } = await signedInUser("frank");
    for (let i = 1; i <= 4; i++) {
      expect((await browser.post("/account/recovery-codes", { otp: wrongCodeAt(key, t.clock.now) })).status).toBe(422);
    }
    const fifth = await browser.post("/account/recovery-codes", { otp: wrongCodeAt(key, t.clock.now) });
    expect(fifth.status).toBe(429);
    expect(fifth.headers.get("retry-after")).toBe("60");
    // The right code, at sign-in on another browser, is refused while the lock holds.
    const other = new Browser(t.app);
    await signInWithPassword(other, "frank");
    expect((await other.post("/verify-2fa", { otp: codeAt(key, t.clock.now) })).status).toBe(429);
  });
});

describe("replacing the authenticator", () => {
  test("needs the password, then a code; wrong ones count against the sign-in lockouts", async () => {
    const { browser, key } = await signedInUser("gina");
    const wrongPassword = await browser.post("/account/reset-2fa", {
      password: "not my password",
      otp: codeAt(key, t.clock.now),
    });
    expect(wrongPassword.status).toBe(422);
    expect(noteOf(await dom(wrongPassword), "reset-password")).toBe("That is not your password.");
    const wrongCode = await browser.post("/account/reset-2fa", {
      password: GOOD_PASSWORD,
      otp: wrongCodeAt(key, t.clock.now),
    });
    expect(wrongCode.status).toBe(422);
    expect(noteOf(await dom(wrongCode), "reset-otp")).toContain("not right");

    // The right password reset its count; five wrong ones here lock sign-in by password too.
    for (let i = 1; i <= 5; i++) {
      await browser.post("/account/reset-2fa", { password: `wrong ${i}`, otp: codeAt(key, t.clock.now) });
    }
    expect((await signInWithPassword(new Browser(t.app), "gina")).status).toBe(429);
  });

  test("the old key works until a code of the new one confirms it; then only the new one does", async () => {
    const { browser, key: oldKey } = await signedInUser("hank");
    const bystander = new Browser(t.app);
    await signIn(bystander, t, "hank", oldKey, { remember: true });

    const started = await browser.post(
      "/account/reset-2fa",
      { password: GOOD_PASSWORD, otp: codeAt(oldKey, t.clock.now) },
      { htmx: true },
    );
    expect(started.status).toBe(200);
    const panel = await dom(started);
    const newKey = panel.querySelector("#two-factor .totp-key")?.textContent?.replace(/\s/g, "") ?? "";
    expect(newKey).toMatch(/^[A-Z2-7]{32}$/);
    expect(newKey).not.toBe(oldKey);
    expect(panel.querySelector("#two-factor img")?.getAttribute("src")).toStartWith("data:image/svg+xml");
    t.clock.now += 30_000;

    // Before confirmation, the old key still signs in.
    await signIn(new Browser(t.app), t, "hank", oldKey);

    // A code of the old key does not confirm the new one.
    const withOld = await browser.post("/account/reset-2fa/confirm", { otp: codeAt(oldKey, t.clock.now) });
    expect(withOld.status).toBe(422);
    expect(noteOf(await dom(withOld), "confirm-otp")).toContain("not right");

    const confirmed = await browser.post(
      "/account/reset-2fa/confirm",
      { otp: codeAt(newKey, t.clock.now) },
      { htmx: true },
    );
    expect(confirmed.status).toBe(200);
    const done = await dom(confirmed);
    expect(done.querySelector("#two-factor .notice")?.textContent).toContain(
      "2 other sessions signed out, 1 trusted browser forgotten",
    );
    expect(done.querySelectorAll("#two-factor .code-list code")).toHaveLength(10);
    t.clock.now += 30_000;

    expect(await homeOf(bystander)).toBe("/login");
    expect(await homeOf(browser)).toBe("/");
    const oldAgain = new Browser(t.app);
    await signInWithPassword(oldAgain, "hank");
    expect((await oldAgain.post("/verify-2fa", { otp: codeAt(oldKey, t.clock.now) })).status).toBe(422);
    expect((await oldAgain.post("/verify-2fa", { otp: codeAt(newKey, t.clock.now) })).headers.get("location")).toBe(
      "/",
    );
    // The bystander's browser was trusted; it no longer skips the code.
    expect((await signInWithPassword(bystander, "hank")).headers.get("location")).toBe("/verify-2fa");
  });

  test("works with a recovery code for a lost phone, and without JavaScript", async () => {
    const { key, recoveryCodes } = await enroll(new Browser(t.app), t, "ivy");
    const browser = new Browser(t.app);
    await signInWithPassword(browser, "ivy");
    await browser.post("/verify-2fa?recovery", { otp: recoveryCodes[0] ?? "" });
    const home = await dom(await browser.get("/"));
    const banner = home.querySelector(".notice.warning[role=status]");
    expect(banner?.textContent).toContain("You used a recovery code, 9 left.");
    expect(banner?.querySelector("a")?.getAttribute("href")).toBe("/account#reset-authenticator");

    await browser.get("/account");
    const started = await browser.post("/account/reset-2fa", { password: GOOD_PASSWORD, otp: recoveryCodes[1] ?? "" });
    expect(started.status).toBe(303);
    expect(started.headers.get("location")).toBe("/account#two-factor");
    const page = await dom(await browser.get("/account"));
    const newKey = page.querySelector("#two-factor .totp-key")?.textContent?.replace(/\s/g, "") ?? "";
    expect(newKey).not.toBe(key);
    const confirmed = await browser.post("/account/reset-2fa/confirm", { otp: codeAt(newKey, t.clock.now) });
    expect(confirmed.status).toBe(200);
    expect((await dom(confirmed)).querySelectorAll("#two-factor .code-list code")).toHaveLength(10);
  });

  test("only a code of the new key confirms it: a recovery code is refused there, and stays unspent", async () => {
    const { browser, key, recoveryCodes } = await signedInUser("ines");
    await browser.post("/account/reset-2fa", { password: GOOD_PASSWORD, otp: codeAt(key, t.clock.now) });
    const confirm = await browser.post("/account/reset-2fa/confirm", { otp: recoveryCodes[0] ?? "" });
    expect(confirm.status).toBe(422);
    expect(noteOf(await dom(confirm), "confirm-otp")).toBe("Enter the 6-digit code from your authenticator app.");
    const [user] = await t.db.select().from(t.tables.users).where(eq(t.tables.users.usernameKey, "ines"));
    expect(user?.recoveryCodesLeft).toBe(10);
    // The old key is still the one linked.
    t.clock.now += 30_000;
    await browser.post("/logout", {});
    await signInWithPassword(browser, "ines");
    expect((await browser.post("/verify-2fa", { otp: codeAt(key, t.clock.now) })).headers.get("location")).toBe("/");
  });

  test("a started replacement is offered for 10 minutes, on the session that started it only", async () => {
    const { browser, key } = await signedInUser("jack");
    const other = new Browser(t.app);
    await signIn(other, t, "jack", key);
    await browser.post("/account/reset-2fa", { password: GOOD_PASSWORD, otp: codeAt(key, t.clock.now) });
    expect((await dom(await browser.get("/account"))).querySelector("#two-factor h2")?.textContent).toBe(
      "Link your new authenticator app",
    );
    // Another session of the same account never sees the new key.
    const otherPage = await dom(await other.get("/account"));
    expect(otherPage.querySelector("#two-factor .totp-key")).toBeNull();
    expect((await other.post("/account/reset-2fa/confirm", { otp: "123456" })).headers.get("location")).toBe(
      "/account#two-factor",
    );

    t.clock.now += 10 * 60_000;
    expect((await dom(await browser.get("/account"))).querySelector("#two-factor .totp-key")).toBeNull();
  });

  test("two confirmations racing with one code: exactly one wins", async () => {
    const { browser, key } = await signedInUser("kim");
    const started = await browser.post(
      "/account/reset-2fa",
      { password: GOOD_PASSWORD, otp: codeAt(key, t.clock.now) },
      { htmx: true },
    );
    const newKey = (await dom(started)).querySelector(".totp-key")?.textContent?.replace(/\s/g, "") ?? "";
    // Both requests read the session before either writes: only the conditional swap tells them apart.
    const token = decodeURIComponent(browser.cookies.get("tfa-session") ?? "").split(".")[0] ?? "";
    const current = await t.app.decorator.twoFactor.auth.session(token);
    if (!current) throw new Error("no session");
    const otp = codeAt(newKey, t.clock.now);
    const meta = { ip: null, userAgent: null };
    const confirm = () => t.app.decorator.twoFactor.auth.account.confirmAuthenticatorReset(current, otp, meta);
    const results = await Promise.all([confirm(), confirm()]);
    expect(results.filter((result) => result && "recoveryCodes" in result)).toHaveLength(1);
    expect(results.find((result) => result && "refused" in result)).toEqual({ refused: { otp: "replayed_code" } });
    const log = (await dom(await browser.get("/account"))).querySelector("#security-log")?.textContent ?? "";
    expect(log.match(/Authenticator app replaced/g)).toHaveLength(1);
  });

  test("can be cancelled, keeping the current app", async () => {
    const { browser, key } = await signedInUser("kate");
    await browser.post("/account/reset-2fa", { password: GOOD_PASSWORD, otp: codeAt(key, t.clock.now) });
    const cancelled = await browser.post("/account/reset-2fa/cancel", {}, { htmx: true });
    const panel = await dom(cancelled);
    expect(panel.querySelector("#two-factor h2")?.textContent).toBe("Two-factor sign-in");
    expect(panel.querySelector(".totp-key")).toBeNull();
  });
});

describe("changing the password", () => {
  test("follows the registration rules, and a mistake in the new one costs no attempt", async () => {
    const { browser } = await signedInUser("liam");
    const WRONG = "not the password of liam";
    const cases: [Record<string, string>, string, string][] = [
      [{ new_password: "password123", confirm: "password123" }, "new_password", "common"],
      [{ new_password: NEW_PASSWORD, confirm: "something else" }, "new-password-confirm", "do not match"],
      [{ current_password: WRONG, new_password: WRONG, confirm: WRONG }, "new_password", "other than your current"],
    ];
    // Every one of them carries a wrong current password: were it checked, the fifth would lock.
    for (let round = 0; round < 2; round++) {
      for (const [fields, field, message] of cases) {
        const refused = await browser.post("/account/password", { current_password: WRONG, ...fields });
        expect(refused.status).toBe(422);
        expect(noteOf(await dom(refused), field)).toContain(message);
      }
    }
    // Six refusals, none of which checked the password: sign-in is not locked.
    expect((await signInWithPassword(new Browser(t.app), "liam")).headers.get("location")).toBe("/verify-2fa");
  });

  test("needs the current password, under the sign-in lockout", async () => {
    const { browser } = await signedInUser("mia");
    const fields = { new_password: NEW_PASSWORD, confirm: NEW_PASSWORD };
    const wrong = await browser.post("/account/password", { current_password: "not it", ...fields });
    expect(wrong.status).toBe(422);
    expect(noteOf(await dom(wrong), "current_password")).toBe("That is not your password.");
    for (let i = 2; i <= 4; i++) await browser.post("/account/password", { current_password: `no ${i}`, ...fields });
    const fifth = await browser.post("/account/password", { current_password: "no 5", ...fields });
    expect(fifth.status).toBe(429);
    const locked = await browser.post("/account/password", { current_password: GOOD_PASSWORD, ...fields });
    expect(locked.status).toBe(429);
    expect(noteOf(await dom(locked), "current_password")).toContain("Try again in");
  });

  test("ends every other session and trusted browser; this one goes on under a new token", async () => {
    const { browser, key } = await signedInUser("noah");
    const other = new Browser(t.app);
    await signIn(other, t, "noah", key, { remember: true });
    const oldCookie = browser.cookies.get("tfa-session");

    const changed = await browser.post("/account/password", {
      current_password: GOOD_PASSWORD,
      new_password: NEW_PASSWORD,
      confirm: NEW_PASSWORD,
    });
    expect(changed.status).toBe(303);
    expect(changed.headers.get("location")).toBe("/account?done=password#password");
    expect(browser.cookies.get("tfa-session")).not.toBe(oldCookie);
    const page = await dom(await browser.get("/account?done=password"));
    expect(page.querySelector("#password .notice")?.textContent).toContain("Password changed");

    // The old token is dead, the other session is gone, and the trusted browser needs a code again.
    const stolen = new Browser(t.app);
    stolen.cookies.set("tfa-session", oldCookie ?? "");
    expect(await homeOf(stolen)).toBe("/login");
    expect(await homeOf(other)).toBe("/login");
    expect(await t.db.select().from(t.tables.trustedBrowsers)).toHaveLength(0);
    expect((await signInWithPassword(new Browser(t.app), "noah")).status).toBe(422);
    expect((await signInWithPassword(other, "noah", NEW_PASSWORD)).headers.get("location")).toBe("/verify-2fa");
  });

  test("with htmx, answers in the panel and refreshes the session list out of band", async () => {
    const { browser, key } = await signedInUser("olga");
    await signIn(new Browser(t.app), t, "olga", key);
    const changed = await browser.post(
      "/account/password",
      { current_password: GOOD_PASSWORD, new_password: NEW_PASSWORD, confirm: NEW_PASSWORD },
      { htmx: true },
    );
    expect(changed.status).toBe(200);
    const fragment = await dom(changed);
    expect(fragment.querySelector("#password .notice")?.textContent).toContain("Password changed");
    const list = fragment.querySelector('#sessions[hx-swap-oob="true"]');
    expect(list?.querySelectorAll(".device-list li")).toHaveLength(1);
    expect(list?.querySelector("mark")?.textContent).toBe("This browser");

    // The swapped-in forms are drawn for the new session: their token works, the old one does not.
    const tokens = new Set(
      [...fragment.querySelectorAll("input[name=csrf]")].map((input) => input.getAttribute("value")),
    );
    expect(tokens.size).toBe(1);
    const oldToken = browser.csrfToken;
    expect(tokens.has(oldToken)).toBe(false);
    const withOld = await browser.post("/account/trusted-browsers/revoke-all", {}, { htmx: true });
    expect(withOld.status).toBe(403);
    browser.csrfToken = [...tokens][0] ?? "";
    const withNew = await browser.post("/account/trusted-browsers/revoke-all", {}, { htmx: true });
    expect(withNew.status).toBe(200);
  });
});

describe("sessions", () => {
  test("lists each live session with its browser, IP, times, and which one is this", async () => {
    const { browser, key } = await signedInUser("pat");
    await signIn(new Browser(t.app, undefined, { "user-agent": SAFARI_IPHONE }), t, "pat", key);
    await signInWithPassword(new Browser(t.app), "pat"); // knows the password, no code yet
    const items = [...(await dom(await browser.get("/account"))).querySelectorAll("#sessions li")];
    expect(items).toHaveLength(3);
    const texts = items.map((item) => item.textContent ?? "");
    expect(texts.find((text) => text.includes("This browser"))).toContain("Firefox on Windows");
    expect(texts.some((text) => text.includes("Safari on iOS"))).toBe(true);
    expect(texts.filter((text) => text.includes("Password entered, no code yet"))).toHaveLength(1);
    expect(items[0]?.querySelector("time")?.getAttribute("datetime")).toMatch(/^2026-11-24T/);
  });

  test("revoking one ends it: its next request lands on /login", async () => {
    const { browser, key } = await signedInUser("quinn");
    const phone = new Browser(t.app, undefined, { "user-agent": SAFARI_IPHONE });
    await signIn(phone, t, "quinn", key);
    const [row] = (await t.db.select().from(t.tables.sessions)).filter(
      (session) => session.userAgent === SAFARI_IPHONE,
    );
    await browser.get("/account");
    const revoked = await browser.post(`/account/sessions/${row?.id}/revoke`, {}, { htmx: true });
    expect(revoked.status).toBe(200);
    const fragment = await dom(revoked);
    expect(fragment.querySelector("#sessions:not([hx-swap-oob])")?.textContent).not.toContain("Safari");
    expect(fragment.querySelector('#security-log[hx-swap-oob="true"]')?.textContent).toContain("Session signed out");
    expect(await homeOf(phone)).toBe("/login");
    expect(await homeOf(browser)).toBe("/");
  });

  test("revoke-others ends all but this one", async () => {
    const { browser, key } = await signedInUser("ruth");
    const others = [new Browser(t.app), new Browser(t.app)];
    for (const other of others) await signIn(other, t, "ruth", key);
    const done = await browser.post("/account/sessions/revoke-others", {});
    expect(done.headers.get("location")).toBe("/account#sessions");
    for (const other of others) expect(await homeOf(other)).toBe("/login");
    expect(await homeOf(browser)).toBe("/");
  });

  test("another account's session cannot be revoked", async () => {
    const { browser } = await signedInUser("sam");
    const victim = await signedInUser("tess");
    const [victimSession] = (await t.db.select().from(t.tables.sessions)).filter((session) => session.userId === 2);
    const attempt = await browser.post(`/account/sessions/${victimSession?.id}/revoke`, {});
    expect(attempt.status).toBe(303);
    expect(await homeOf(victim.browser)).toBe("/");
  });

  test("revoking this session is signing out", async () => {
    const { browser } = await signedInUser("uma");
    const [mine] = await t.db.select().from(t.tables.sessions);
    const response = await browser.post(`/account/sessions/${mine?.id}/revoke`, {});
    expect(response.headers.get("location")).toBe("/login");
    expect(await homeOf(browser)).toBe("/login");
  });
});

describe("trusted browsers", () => {
  test("a ticked box sets a separate HttpOnly cookie for 30 days, and the database keeps only its hash", async () => {
    const { key } = await enroll(new Browser(t.app), t, "vic");
    const browser = new Browser(t.app);
    await signInWithPassword(browser, "vic");
    const response = await browser.post("/verify-2fa", { otp: codeAt(key, t.clock.now), remember: "on" });
    const cookie = response.headers.getSetCookie().find((header) => header.startsWith("tfa-trusted="));
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("SameSite=Lax");
    const expires = Date.parse(/Expires=([^;]+)/i.exec(cookie ?? "")?.[1] ?? "");
    expect(Math.round((expires - t.clock.now) / 86_400_000)).toBe(30);
    const token = decodeURIComponent(browser.cookies.get("tfa-trusted") ?? "").split(".")[0] ?? "";
    const [row] = await t.db.select().from(t.tables.trustedBrowsers);
    expect(token.length).toBeGreaterThanOrEqual(43);
    expect(row?.id).not.toContain(token);
    expect(JSON.stringify(row)).not.toContain(token);
  });

  test("later sign-ins there need only the password; other browsers and other users still need a code", async () => {
    const { key } = await enroll(new Browser(t.app), t, "wendy");
    const { key: otherKey } = await enroll(new Browser(t.app), t, "xena");
    const browser = new Browser(t.app);
    await signIn(browser, t, "wendy", key, { remember: true });
    await browser.post("/logout", {});

    const again = await signInWithPassword(browser, "wendy");
    expect(again.headers.get("location")).toBe("/");
    expect(await homeOf(browser)).toBe("/");
    const log = await dom(await browser.get("/account"));
    expect(log.querySelector("#security-log")?.textContent).toContain("Signed in on a trusted browser, without a code");
    await browser.post("/logout", {});

    expect((await signInWithPassword(new Browser(t.app), "wendy")).headers.get("location")).toBe("/verify-2fa");
    // The cookie is wendy's: xena on the same browser still gives a code.
    expect((await signInWithPassword(browser, "xena")).headers.get("location")).toBe("/verify-2fa");
    expect(otherKey).not.toBe(key);
    // And a wrong password gets no help from it.
    await browser.post("/logout", {});
    expect((await signInWithPassword(browser, "wendy", "not the password")).status).toBe(422);
  });

  test("expire after 30 days", async () => {
    const { key } = await enroll(new Browser(t.app), t, "yuri");
    const browser = new Browser(t.app);
    await signIn(browser, t, "yuri", key, { remember: true });
    await browser.post("/logout", {});
    t.clock.now += 30 * 86_400_000;
    expect((await signInWithPassword(browser, "yuri")).headers.get("location")).toBe("/verify-2fa");
  });

  test("can be forgotten by hand, one or all", async () => {
    const { key } = await enroll(new Browser(t.app), t, "zoe");
    const trusted = [new Browser(t.app), new Browser(t.app), new Browser(t.app)];
    for (const browser of trusted) await signIn(browser, t, "zoe", key, { remember: true });
    const [manager] = trusted;
    if (!manager) throw new Error("no browser");
    const page = await dom(await manager.get("/account"));
    const items = [...page.querySelectorAll("#trusted-browsers li")];
    expect(items).toHaveLength(3);
    expect(items.filter((item) => item.textContent?.includes("This browser"))).toHaveLength(1);
    const other = items.find((item) => !item.textContent?.includes("This browser"));
    const action = other?.querySelector("form")?.getAttribute("action") ?? "";
    const forgotten = await manager.post(action, {}, { htmx: true });
    expect((await dom(forgotten)).querySelectorAll("#trusted-browsers li")).toHaveLength(2);

    await manager.post("/account/trusted-browsers/revoke-all", {});
    for (const browser of trusted) {
      await browser.post("/logout", {});
      expect((await signInWithPassword(browser, "zoe")).headers.get("location")).toBe("/verify-2fa");
    }
  });
});

test("another account's trusted browser cannot be forgotten", async () => {
  const { key } = await enroll(new Browser(t.app), t, "bea");
  const victim = new Browser(t.app);
  await signIn(victim, t, "bea", key, { remember: true });
  const [row] = await t.db.select().from(t.tables.trustedBrowsers);
  const { browser } = await signedInUser("cal");
  expect((await browser.post(`/account/trusted-browsers/${row?.id}/revoke`, {})).status).toBe(303);
  await browser.post("/account/trusted-browsers/revoke-all", {});
  await victim.post("/logout", {});
  expect((await signInWithPassword(victim, "bea")).headers.get("location")).toBe("/");
});

describe("the security log", () => {
  test("tells the account's own events in plain words, with time, IP and browser", async () => {
    const { browser, key, recoveryCodes } = await signedInUser("amy");
    await signedInUser("ben"); // someone else's events stay theirs
    const phone = new Browser(t.app, undefined, { "user-agent": SAFARI_IPHONE });
    await signInWithPassword(phone, "amy");
    await phone.post("/verify-2fa", { otp: wrongCodeAt(key, t.clock.now) });
    await phone.post("/verify-2fa?recovery", { otp: recoveryCodes[2] ?? "" });
    await browser.post("/account/password", {
      current_password: GOOD_PASSWORD,
      new_password: NEW_PASSWORD,
      confirm: NEW_PASSWORD,
    });
    const items = [...(await dom(await browser.get("/account"))).querySelectorAll("#security-log li")].map(
      (item) => item.textContent?.replace(/\s+/g, " ") ?? "",
    );
    expect(items[0]).toContain("Password changed (1 other session signed out, 0 trusted browsers forgotten)");
    expect(items.some((item) => item.startsWith("Recovery code used (9 left)") && item.includes("Safari on iOS"))).toBe(
      true,
    );
    expect(items.some((item) => item.startsWith("Wrong code entered"))).toBe(true);
    expect(items.some((item) => item.startsWith("Signed in"))).toBe(true);
    expect(items.at(-1)).toContain("Account created");
    expect(items.every((item) => /UTC · IP /.test(item))).toBe(true);
    expect(items.join("\n")).not.toContain("ben");
  });
});
