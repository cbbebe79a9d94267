import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { normalizeRecoveryCode } from "../src/auth/factors/recovery-codes";
import { codeAt } from "../src/auth/factors/totp";
import { createStores } from "../src/auth/stores";
import { homeOf, signedInUser } from "./account-setup";
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

describe("the account page", () => {
  test("shows every panel as a whole page, and as a fragment for htmx", async () => {
    const { browser } = await signedInUser(t, "alice");
    const full = await browser.get("/account");
    expect(full.status).toBe(200);
    expect(full.headers.get("vary")).toBe("HX-Request");
    const page = await dom(full);
    expect(page.querySelector("title")?.textContent).toContain("Security settings");
    const panels = [...page.querySelectorAll("section.panel")].map((panel) => panel.id);
    expect(panels).toEqual([
      "two-factor",
      "passkeys",
      "password",
      "sessions",
      "trusted-browsers",
      "security-log",
      "delete-account",
    ]);
    expect(page.querySelector("#two-factor")?.textContent).toContain("10 recovery codes left");

    const fragment = await browser.get("/account", { htmx: true });
    const html = await fragment.text();
    expect(html.startsWith("<title>")).toBe(true);
    expect(html).not.toContain("<html");
    expect(html).toContain('id="sessions"');
  });

  test("is for signed-in sessions only: a pending one is sent to its code step, anyone else to /login", async () => {
    await signedInUser(t, "bob");
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

  test("every form carries this session's own CSRF token, though the empty forms are drawn once for all", async () => {
    const tokensOn = async (browser: Browser, options = {}) =>
      [...(await dom(await browser.get("/account", options))).querySelectorAll("input[name=csrf]")].map((input) =>
        input.getAttribute("value"),
      );
    const first = (await signedInUser(t, "cleo")).browser;
    const second = (await signedInUser(t, "cody")).browser;
    for (const browser of [first, second, first]) {
      for (const tokens of [await tokensOn(browser), await tokensOn(browser, { htmx: true })]) {
        expect(tokens.length).toBeGreaterThanOrEqual(5);
        expect(new Set(tokens)).toEqual(new Set([browser.csrfToken]));
      }
    }
    expect(first.csrfToken).not.toBe(second.csrfToken);
    // Each one's token works: the password form, drawn once, is accepted.
    const refused = await second.post("/account/password", {
      current_password: "wrong",
      new_password: "",
      confirm: "",
    });
    expect(refused.status).toBe(422);
  });

  test("refuses a form without its CSRF token, changing nothing", async () => {
    const { browser, key } = await signedInUser(t, "carol");
    const forged = await browser.post("/account/recovery-codes", { otp: codeAt(key, t.clock.now) }, { csrf: false });
    expect(forged.status).toBe(403);
    expect((await dom(await browser.get("/account"))).querySelector("#two-factor")?.textContent).toContain(
      "10 recovery codes left",
    );
  });
});

describe("new recovery codes", () => {
  test("need a current code; the new ones work and every old one is refused", async () => {
    const { browser, key, recoveryCodes: oldCodes } = await signedInUser(t, "dave");
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
    const { browser, key, recoveryCodes } = await signedInUser(t, "dina");
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
    const { browser, recoveryCodes } = await signedInUser(t, "dave");
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
    const { browser, key } = await signedInUser(t, "dora");
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
    const { browser, key } = await signedInUser(t, "frank");
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
    const { browser, key } = await signedInUser(t, "gina");
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
    const { browser, key: oldKey } = await signedInUser(t, "hank");
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
    const { browser, key, recoveryCodes } = await signedInUser(t, "ines");
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
    const { browser, key } = await signedInUser(t, "jack");
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
    const { browser, key } = await signedInUser(t, "kim");
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
    expect(results.find((result) => result && "reason" in result)).toEqual({ reason: "replayed_code" });
    const log = (await dom(await browser.get("/account"))).querySelector("#security-log")?.textContent ?? "";
    expect(log.match(/Authenticator app replaced/g)).toHaveLength(1);
  });

  test("can be cancelled, keeping the current app", async () => {
    const { browser, key } = await signedInUser(t, "kate");
    await browser.post("/account/reset-2fa", { password: GOOD_PASSWORD, otp: codeAt(key, t.clock.now) });
    const cancelled = await browser.post("/account/reset-2fa/cancel", {}, { htmx: true });
    const panel = await dom(cancelled);
    expect(panel.querySelector("#two-factor h2")?.textContent).toBe("Two-factor sign-in");
    expect(panel.querySelector(".totp-key")).toBeNull();
  });
});
