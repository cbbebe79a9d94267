import { afterEach, beforeEach, describe, expect, spyOn, test } from "bun:test";
import { eq } from "drizzle-orm";
import { Elysia } from "elysia";
import { codeAt } from "../src/auth/factors/totp";
import { type SecurityNotice, twoFactorAuth } from "../src/index";
import { FIREFOX_WINDOWS, homeOf, NEW_PASSWORD, SAFARI_IPHONE, signedInUser } from "./account-setup";
import {
  authOptionsOn,
  Browser,
  dom,
  enroll,
  GOOD_PASSWORD,
  ORIGIN,
  signIn,
  signInWithPassword,
  type TestApp,
  testApp,
  wrongCodeAt,
} from "./helpers";
import { addSecurityKey, credentialsOf, enrollWithPasskey, userNamed } from "./webauthn-setup";

let t: TestApp;
beforeEach(async () => {
  t = await testApp();
});
afterEach(() => t.close());

/** The notices sent once the hooks of the requests so far have run. */
async function sent(): Promise<SecurityNotice[]> {
  await Bun.sleep(5);
  return t.notices;
}
const eventsSent = async () => (await sent()).map((notice) => notice.event);
/** The path of a notice's "This wasn't me" link. */
const linkOf = (notice: SecurityNotice | undefined) => new URL(notice?.repudiateUrl ?? "").pathname;
const lastNotice = async (event: string) => (await sent()).findLast((notice) => notice.event === event);

describe("security notices", () => {
  test("each change to how one signs in is told to the host once written, with its browser, IP and link", async () => {
    const { browser, key } = await signedInUser(t, "alice");
    expect(await eventsSent()).toEqual([]);
    await addSecurityKey(t, browser, key);
    await browser.post("/account/recovery-codes", { otp: codeAt(key, t.clock.now) });
    t.clock.now += 30_000;
    const [credential] = await credentialsOf(t, (await userNamed(t, "alice")).id);
    await browser.get("/account");
    await browser.post(`/account/credentials/${encodeURIComponent(credential?.id ?? "")}/remove`, {
      otp: codeAt(key, t.clock.now),
    });
    t.clock.now += 30_000;
    await browser.post("/account/password", {
      current_password: GOOD_PASSWORD,
      new_password: NEW_PASSWORD,
      confirm: NEW_PASSWORD,
    });
    expect(await eventsSent()).toEqual([
      "credential_added",
      "recovery_codes_regenerated",
      "credential_removed",
      "password_changed",
    ]);
    const alice = await userNamed(t, "alice");
    const [added] = await sent();
    expect(added).toMatchObject({
      userId: alice.id,
      username: "alice",
      event: "credential_added",
      description: "Passkey or security key added: “Blue key”",
      browser: "Firefox on Windows",
      ip: null,
      email: null,
    });
    expect(added?.at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(added?.repudiateUrl).toMatch(new RegExp(`^${ORIGIN}/not-me/\\d+\\.[A-Za-z0-9_-]{43}$`));
    // Nothing secret in any of them.
    expect(JSON.stringify(await sent())).not.toMatch(/password_hash|totp|\$argon2/i);
  });

  test("a sign-in on a browser the account has not used is told; the same browser, updated, is not", async () => {
    const { key } = await signedInUser(t, "bob");
    const sameKind = new Browser(t.app, undefined, {
      "user-agent": FIREFOX_WINDOWS.replaceAll("140.0", "141.0"),
    });
    await signIn(sameKind, t, "bob", key);
    expect(await eventsSent()).toEqual([]);
    const phone = new Browser(t.app, undefined, { "user-agent": SAFARI_IPHONE });
    await signIn(phone, t, "bob", key);
    expect(await eventsSent()).toEqual(["signed_in_new_browser"]);
    expect((await lastNotice("signed_in_new_browser"))?.browser).toBe("Safari on iOS");
    // Seen now: the next sign-in there is not news.
    const phoneAgain = new Browser(t.app, undefined, { "user-agent": SAFARI_IPHONE });
    await signIn(phoneAgain, t, "bob", key);
    expect(await eventsSent()).toEqual(["signed_in_new_browser"]);
  });

  test("a lockout is told; a wrong code below it, or a wrong password under an unknown name, is not", async () => {
    const { key } = await signedInUser(t, "carol");
    const attacker = new Browser(t.app);
    await signInWithPassword(attacker, "carol");
    for (let i = 0; i < 4; i++) await attacker.post("/verify-2fa", { otp: wrongCodeAt(key, t.clock.now) });
    await signInWithPassword(new Browser(t.app), "nobody-here", "wrong password entirely");
    expect(await eventsSent()).toEqual([]);
    await attacker.post("/verify-2fa", { otp: wrongCodeAt(key, t.clock.now) });
    expect(await eventsSent()).toEqual(["locked_out"]);
  });

  test("a host's hook never holds up or fails the request: slow, throwing or rejecting, the page comes", async () => {
    const logged: string[] = [];
    const silenced = spyOn(console, "error").mockImplementation((line: string) => void logged.push(line));
    try {
      for (const hook of [
        () => new Promise<void>(() => {}),
        () => {
          throw new TypeError("the mail server said no about alice@example.com");
        },
        () => Promise.reject(new RangeError("queue full")),
      ]) {
        const app = new Elysia()
          .use(twoFactorAuth(authOptionsOn(t, { onSecurityEvent: hook })))
          .get("/", () => "home", { signedIn: true });
        const browser = new Browser(app);
        const { key } = await enroll(browser, { app, clock: t.clock }, `user${logged.length}${Date.now() % 1000}`);
        await browser.get("/account");
        const made = await browser.post("/account/recovery-codes", { otp: codeAt(key, t.clock.now) });
        expect(made.status).toBe(200);
        t.clock.now += 30_000;
      }
      await Bun.sleep(5);
      expect(logged.join("\n")).toContain("a security notice failed with TypeError");
      expect(logged.join("\n")).toContain("a security notice failed with RangeError");
      expect(logged.join("\n")).not.toContain("alice@example.com");
    } finally {
      silenced.mockRestore();
    }
  });
});

describe("This wasn't me", () => {
  test("opened anywhere, it says what happened and what it will do; confirmed, it secures the account, once", async () => {
    const { browser, key } = await signedInUser(t, "dave");
    const laptop = new Browser(t.app);
    await signIn(laptop, t, "dave", key, { remember: true });
    await addSecurityKey(t, browser, key, "Stranger's key");
    const notice = await lastNotice("credential_added");

    const elsewhere = new Browser(t.app);
    const page = await elsewhere.get(linkOf(notice));
    expect(page.status).toBe(200);
    const text = (await dom(page)).querySelector("main")?.textContent ?? "";
    expect(text).toContain("Passkey or security key added: “Stranger's key”");
    expect(text).toContain("Account dave");
    expect(text).toContain("remove the passkey or security key “Stranger's key”");
    // Looking changes nothing: no state changes on GET.
    expect(await credentialsOf(t, (await userNamed(t, "dave")).id)).toHaveLength(1);
    expect(await homeOf(browser)).toBe("/");

    // Without the form's token, refused.
    expect((await elsewhere.post(linkOf(notice), {}, { csrf: false })).status).toBe(403);
    const done = await elsewhere.post(linkOf(notice), {});
    expect(done.status).toBe(200);
    const doneText = (await dom(done)).querySelector("main")?.textContent ?? "";
    expect(doneText).toContain("Your account is secured");
    expect(doneText).toContain("2 sessions signed out.");
    expect(doneText).toContain("1 trusted browser forgotten.");
    expect(doneText).toContain("The passkey or security key “Stranger's key” removed.");
    expect(await credentialsOf(t, (await userNamed(t, "dave")).id)).toHaveLength(0);
    expect(await homeOf(browser)).toBe("/login");
    expect(await homeOf(laptop)).toBe("/login");
    // The trusted browser asks for a code again.
    expect((await signInWithPassword(laptop, "dave")).headers.get("location")).toBe("/verify-2fa");

    const again = await elsewhere.post(linkOf(notice), {});
    expect(again.status).toBe(410);
    expect(await again.text()).toContain("This link was used already");
    await signIn(browser, t, "dave", key);
    const log = (await dom(await browser.get("/account"))).querySelector("#security-log")?.textContent ?? "";
    expect(log).toContain("Reported as not you: passkey or security key added");
  });

  test("two confirmations of one link at once: one secures the account, the other is told the link was used", async () => {
    const { browser, key } = await signedInUser(t, "ivan");
    await browser.post("/account/recovery-codes", { otp: codeAt(key, t.clock.now) });
    const path = linkOf(await lastNotice("recovery_codes_regenerated"));
    const first = new Browser(t.app);
    const second = new Browser(t.app);
    await Promise.all([first.get(path), second.get(path)]);
    const statuses = (await Promise.all([first.post(path, {}), second.post(path, {})])).map((answer) => answer.status);
    expect(statuses.sort()).toEqual([200, 410]);
    const log = await t.db.select().from(t.tables.securityEvents).where(eq(t.tables.securityEvents.type, "repudiated"));
    expect(log).toHaveLength(1);
  });

  test("a link that is forged, another event's, or a week old is refused, changing nothing", async () => {
    const { browser, key } = await signedInUser(t, "erin");
    await browser.post("/account/recovery-codes", { otp: codeAt(key, t.clock.now) });
    const path = linkOf(await lastNotice("recovery_codes_regenerated"));
    const [, id = "", signature = ""] = /\/not-me\/(\d+)\.(.+)$/.exec(path) ?? [];
    const stranger = new Browser(t.app);
    await stranger.get("/login"); // a form's token, as anyone has
    for (const forged of [
      `/not-me/${id}.${"A".repeat(43)}`,
      `/not-me/${Number(id) - 1}.${signature}`,
      `/not-me/${id}`,
      `/not-me/${id}.${signature}x`,
      "/not-me/%00",
    ]) {
      const response = await stranger.get(forged);
      expect({ forged, status: response.status }).toEqual({ forged, status: 404 });
      expect((await stranger.post(forged, {})).status).toBe(404);
    }
    t.clock.now += 7 * 24 * 60 * 60_000 + 1000;
    const late = await stranger.post(path, {});
    expect(late.status).toBe(410);
    expect(await late.text()).toContain("This link has expired");
    expect(await homeOf(browser)).toBe("/login"); // the idle limit, not the link: the session had 7 days
  });

  test("never takes away the last factor: an account with one passkey keeps it, its sessions end", async () => {
    const browser = new Browser(t.app);
    await enrollWithPasskey(browser, "frank");
    const notice = await lastNotice("credential_added");
    expect(notice).toBeDefined();
    const other = new Browser(t.app);
    await other.get(linkOf(notice));
    const done = await other.post(linkOf(notice), {});
    expect(await done.text()).not.toContain("removed.");
    expect(await credentialsOf(t, (await userNamed(t, "frank")).id)).toHaveLength(1);
    expect(await homeOf(browser)).toBe("/login");
  });

  test("after a password change: the next sign-in needs a second factor, then a new password, before anything else", async () => {
    const { browser, key } = await signedInUser(t, "gina");
    // Someone with gina's session changes her password.
    await browser.post("/account/password", {
      current_password: GOOD_PASSWORD,
      new_password: NEW_PASSWORD,
      confirm: NEW_PASSWORD,
    });
    const notice = await lastNotice("password_changed");
    const gina = new Browser(t.app);
    await gina.get(linkOf(notice));
    expect(await (await gina.post(linkOf(notice), {})).text()).toContain("no longer signs you in");
    // The password that was set opens nothing now; neither does skipping the code.
    const thief = new Browser(t.app);
    const attempt = await signInWithPassword(thief, "gina", NEW_PASSWORD);
    expect(attempt.headers.get("location")).toBe("/verify-2fa");
    expect(await homeOf(thief)).toBe("/verify-2fa");

    // Gina, not knowing it, types anything and gives her code.
    t.clock.now += 30_000;
    await signInWithPassword(gina, "gina", "I do not know it any more");
    await gina.get("/verify-2fa");
    const coded = await gina.postAndFollow("/verify-2fa", { otp: codeAt(key, t.clock.now), remember: "on" });
    expect(coded.headers.get("location")).toBe("/");
    expect(await homeOf(gina)).toBe("/new-password");
    // Left there, the browser she trusted on the way skips no second factor while any password goes.
    const trustedCookies = new Map(gina.cookies);
    const onHerBrowser = new Browser(t.app);
    onHerBrowser.cookies = new Map([...trustedCookies].filter(([name]) => name === "tfa-trusted"));
    expect(onHerBrowser.cookies.size).toBe(1);
    expect((await signInWithPassword(onHerBrowser, "gina", "anything")).headers.get("location")).toBe("/verify-2fa");
    expect((await gina.get("/account")).headers.get("location")).toBe("/new-password");
    const page = await dom(await gina.get("/new-password"));
    expect(page.querySelector("h1")?.textContent).toBe("Choose a new password");
    const weak = await gina.post("/new-password", { new_password: "password", confirm: "password" });
    expect(weak.status).toBe(422);
    const chosen = await gina.post("/new-password", {
      new_password: "violet lanterns hum at dawn",
      confirm: "violet lanterns hum at dawn",
    });
    expect(chosen.headers.get("location")).toBe("/");
    expect(await homeOf(gina)).toBe("/");

    // From now on, only the new password signs in.
    t.clock.now += 30_000;
    expect((await signInWithPassword(new Browser(t.app), "gina", NEW_PASSWORD)).status).toBe(422);
    const withNew = await signInWithPassword(new Browser(t.app), "gina", "violet lanterns hum at dawn");
    expect(withNew.headers.get("location")).toBe("/verify-2fa");
    expect((await userNamed(t, "gina")).newPasswordRequiredAt).toBeNull();
  });

  test("after an app was replaced, with passkeys to fall back on, the new app is unlinked", async () => {
    const browser = new Browser(t.app);
    await enrollWithPasskey(browser, "hank");
    // Someone links an app to hank's passkey-only account.
    await browser.get("/account");
    const started = await browser.post("/account/reset-2fa", { password: GOOD_PASSWORD, otp: "" });
    expect(started.status).toBe(303);
    const newKey = (await dom(await browser.get("/account")))
      .querySelector(".totp-key")
      ?.textContent?.replace(/\s/g, "");
    await browser.post("/account/reset-2fa/confirm", { otp: codeAt(newKey ?? "", t.clock.now) });
    expect((await userNamed(t, "hank")).totpEnabledAt).not.toBeNull();

    const notice = await lastNotice("authenticator_replaced");
    const other = new Browser(t.app);
    const page = await other.get(linkOf(notice));
    expect(await page.text()).toContain("unlink the authenticator app that was set up");
    expect(await (await other.post(linkOf(notice), {})).text()).toContain(
      "The authenticator app that was set up unlinked.",
    );
    const hank = await userNamed(t, "hank");
    expect(hank.totpEnabledAt).toBeNull();
    expect(hank.twoFactorEnabledAt).not.toBeNull();
    expect(await credentialsOf(t, hank.id)).toHaveLength(1);
  });
});
