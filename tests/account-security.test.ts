import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { codeAt } from "../src/auth/factors/totp";
import { CHROME_LINUX, FIREFOX_WINDOWS, homeOf, NEW_PASSWORD, SAFARI_IPHONE, signedInUser } from "./account-setup";
import {
  Browser,
  dom,
  enroll,
  GOOD_PASSWORD,
  noteOf,
  signIn,
  signInWithPassword,
  type TestApp,
  testApp,
  wrongCodeAt,
} from "./helpers";

let t: TestApp;
beforeEach(async () => {
  t = await testApp();
});
afterEach(() => t.close());

describe("changing the password", () => {
  test("follows the registration rules, and a mistake in the new one costs no attempt", async () => {
    const { browser } = await signedInUser(t, "liam");
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
    const { browser } = await signedInUser(t, "mia");
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
    const { browser, key } = await signedInUser(t, "noah");
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
    const { browser, key } = await signedInUser(t, "olga");
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
    const { browser, key } = await signedInUser(t, "pat");
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

  test("are listed most recently used first", async () => {
    const { browser, key } = await signedInUser(t, "pia");
    t.clock.now += 3_600_000;
    await signIn(new Browser(t.app, undefined, { "user-agent": SAFARI_IPHONE }), t, "pia", key);
    t.clock.now += 3_600_000;
    await signIn(new Browser(t.app, undefined, { "user-agent": CHROME_LINUX }), t, "pia", key);
    t.clock.now += 3_600_000;
    const texts = [...(await dom(await browser.get("/account"))).querySelectorAll("#sessions li")].map(
      (item) => item.textContent ?? "",
    );
    expect(texts.map((text) => /This browser|Safari on iOS|Chrome on Linux/.exec(text)?.[0])).toEqual([
      "This browser",
      "Chrome on Linux",
      "Safari on iOS",
    ]);
  });

  test("revoking one ends it: its next request lands on /login", async () => {
    const { browser, key } = await signedInUser(t, "quinn");
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
    const { browser, key } = await signedInUser(t, "ruth");
    const others = [new Browser(t.app), new Browser(t.app)];
    for (const other of others) await signIn(other, t, "ruth", key);
    const done = await browser.post("/account/sessions/revoke-others", {});
    expect(done.headers.get("location")).toBe("/account#sessions");
    for (const other of others) expect(await homeOf(other)).toBe("/login");
    expect(await homeOf(browser)).toBe("/");
  });

  test("another account's session cannot be revoked", async () => {
    const { browser } = await signedInUser(t, "sam");
    const victim = await signedInUser(t, "tess");
    const [victimSession] = (await t.db.select().from(t.tables.sessions)).filter((session) => session.userId === 2);
    const attempt = await browser.post(`/account/sessions/${victimSession?.id}/revoke`, {});
    expect(attempt.status).toBe(303);
    expect(await homeOf(victim.browser)).toBe("/");
  });

  test("revoking this session is signing out", async () => {
    const { browser } = await signedInUser(t, "uma");
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

  test("are listed newest first", async () => {
    const { key } = await enroll(new Browser(t.app), t, "yves");
    for (const userAgent of [SAFARI_IPHONE, CHROME_LINUX, FIREFOX_WINDOWS]) {
      t.clock.now += 3_600_000;
      await signIn(new Browser(t.app, undefined, { "user-agent": userAgent }), t, "yves", key, { remember: true });
    }
    const manager = new Browser(t.app, undefined, { "user-agent": FIREFOX_WINDOWS });
    await signIn(manager, t, "yves", key);
    const texts = [...(await dom(await manager.get("/account"))).querySelectorAll("#trusted-browsers li")].map(
      (item) => item.textContent ?? "",
    );
    expect(texts.map((text) => /Firefox on Windows|Safari on iOS|Chrome on Linux/.exec(text)?.[0])).toEqual([
      "Firefox on Windows",
      "Chrome on Linux",
      "Safari on iOS",
    ]);
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
  const { browser } = await signedInUser(t, "cal");
  expect((await browser.post(`/account/trusted-browsers/${row?.id}/revoke`, {})).status).toBe(303);
  await browser.post("/account/trusted-browsers/revoke-all", {});
  await victim.post("/logout", {});
  expect((await signInWithPassword(victim, "bea")).headers.get("location")).toBe("/");
});

describe("the security log", () => {
  test("tells the account's own events in plain words, with time, IP and browser", async () => {
    const { browser, key, recoveryCodes } = await signedInUser(t, "amy");
    await signedInUser(t, "ben"); // someone else's events stay theirs
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
