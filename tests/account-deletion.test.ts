import { afterEach, beforeEach, describe, expect, spyOn, test } from "bun:test";
import { eq, inArray } from "drizzle-orm";
import { Elysia } from "elysia";
import { codeAt } from "../src/auth/factors/totp";
import { twoFactorAuth } from "../src/index";
import { homeOf, signedInUser } from "./account-setup";
import {
  authOptionsOn,
  Browser,
  dom,
  enroll,
  GOOD_PASSWORD,
  noteOf,
  register,
  signIn,
  signInWithPassword,
  type TestApp,
  testApp,
  wrongCodeAt,
} from "./helpers";
import { addSecurityKey, options, userNamed } from "./webauthn-setup";

let t: TestApp;
beforeEach(async () => {
  t = await testApp();
});
afterEach(() => t.close());

/** The ids of the user's sessions, which own the WebAuthn challenges they were given. */
const sessionIdsOf = async (userId: number) =>
  (
    await t.db.select({ id: t.tables.sessions.id }).from(t.tables.sessions).where(eq(t.tables.sessions.userId, userId))
  ).map((row) => row.id);

/**
 * How many rows of each table belong to `userId`, directly or through its names, and through
 * `sessionIds` (its sessions when this was asked first, as their challenges outlive them).
 */
async function rowsOf(userId: number, username: string, sessionIds: string[]) {
  const { db, tables } = t;
  const { users, recoveryCodes, trustedBrowsers, webauthnCredentials, webauthnChallenges } = tables;
  const count = async (rows: Promise<unknown[]>) => (await rows).length;
  return {
    users: await count(db.select().from(users).where(eq(users.id, userId))),
    sessions: (await sessionIdsOf(userId)).length,
    recoveryCodes: await count(db.select().from(recoveryCodes).where(eq(recoveryCodes.userId, userId))),
    trustedBrowsers: await count(db.select().from(trustedBrowsers).where(eq(trustedBrowsers.userId, userId))),
    credentials: await count(db.select().from(webauthnCredentials).where(eq(webauthnCredentials.userId, userId))),
    challenges: await count(
      db
        .select()
        .from(webauthnChallenges)
        .where(inArray(webauthnChallenges.owner, sessionIds.length > 0 ? sessionIds : ["none"])),
    ),
    events: await count(db.select().from(tables.securityEvents).where(eq(tables.securityEvents.userId, userId))),
    throttles: await count(
      db
        .select()
        .from(tables.throttles)
        .where(inArray(tables.throttles.key, [`password:${username}`, `code:${userId}`])),
    ),
  };
}

describe("deleting the account", () => {
  test("takes the password and a current code, then removes every row of the account and lands on /login saying so", async () => {
    const { browser, key } = await signedInUser(t, "alice");
    // Something of every kind: a second session on a trusted browser, a security key, a
    // WebAuthn challenge handed out, a failed password and a failed code on the throttles.
    const laptop = new Browser(t.app);
    await signIn(laptop, t, "alice", key, { remember: true });
    await addSecurityKey(t, browser, key);
    await options(browser, "/account/credentials/proof-options");
    await signInWithPassword(new Browser(t.app), "alice", "not the password");
    const stranger = new Browser(t.app);
    await signInWithPassword(stranger, "alice");
    await stranger.post("/verify-2fa", { otp: wrongCodeAt(key, t.clock.now) });
    const bob = await signedInUser(t, "bob");
    const alice = await userNamed(t, "alice");
    const aliceSessions = await sessionIdsOf(alice.id);
    const before = await rowsOf(alice.id, "alice", aliceSessions);
    expect(Object.values(before).every((rows) => rows > 0)).toBe(true);
    const bobId = (await userNamed(t, "bob")).id;
    const bobsRows = await rowsOf(bobId, "bob", await sessionIdsOf(bobId));

    await browser.get("/account");
    const deleted = await browser.post("/account/delete", { password: GOOD_PASSWORD, otp: codeAt(key, t.clock.now) });
    expect(deleted.status).toBe(303);
    expect(deleted.headers.get("location")).toBe("/login?done=deleted");
    expect(deleted.headers.get("clear-site-data")).toBe('"cookies", "storage"');
    const cleared = deleted.headers.getSetCookie();
    expect(cleared.some((line) => /^tfa-session=;/.test(line) || /^tfa-session=.*max-age=0/i.test(line))).toBe(true);

    expect(await rowsOf(alice.id, "alice", aliceSessions)).toEqual({
      users: 0,
      sessions: 0,
      recoveryCodes: 0,
      trustedBrowsers: 0,
      credentials: 0,
      challenges: 0,
      events: 0,
      throttles: 0,
    });
    // Nothing of anyone else's.
    expect(await rowsOf(bobId, "bob", await sessionIdsOf(bobId))).toEqual(bobsRows);
    expect(await homeOf(bob.browser)).toBe("/");

    const landing = await dom(await browser.get("/login?done=deleted"));
    expect(landing.querySelector("[role=status]")?.textContent).toBe("Your account was deleted.");
    // Every other session of the account ended, and its old password opens nothing.
    expect(await homeOf(laptop)).toBe("/login");
    const again = await signInWithPassword(new Browser(t.app), "alice");
    expect(again.status).toBe(422);
    // The name is free again.
    const newcomer = new Browser(t.app);
    await register(newcomer, "Alice");
    expect(await homeOf(newcomer)).toBe("/setup-2fa");
  });

  test("with htmx, leaves the page for /login as a whole new page", async () => {
    const { browser, key } = await signedInUser(t, "carol");
    const deleted = await browser.post(
      "/account/delete",
      { password: GOOD_PASSWORD, otp: codeAt(key, t.clock.now) },
      { htmx: true },
    );
    expect(deleted.status).toBe(200);
    expect(deleted.headers.get("hx-redirect")).toBe("/login?done=deleted");
    expect(await userNamed(t, "carol").catch(() => null)).toBeNull();
  });

  test("a wrong password or a wrong code keeps the account, says why by the field, and counts in the lockouts", async () => {
    const { browser, key } = await signedInUser(t, "dave");
    const wrongPassword = await browser.post(
      "/account/delete",
      { password: "not my password at all", otp: codeAt(key, t.clock.now) },
      { htmx: true },
    );
    expect(wrongPassword.status).toBe(422);
    const panel = await dom(wrongPassword);
    expect(panel.querySelector("section")?.id).toBe("delete-account");
    expect(noteOf(panel, "delete-password")).toBe("That is not your password.");

    const wrongCode = await browser.post(
      "/account/delete",
      { password: GOOD_PASSWORD, otp: wrongCodeAt(key, t.clock.now) },
      { htmx: true },
    );
    expect(wrongCode.status).toBe(422);
    expect(noteOf(await dom(wrongCode), "delete-otp")).toContain("That code is not right");
    const log = (await dom(await browser.get("/account"))).querySelector("#security-log")?.textContent ?? "";
    expect(log).toContain("Wrong password entered");
    expect(log).toContain("Wrong code entered");

    // Four more wrong codes lock the account's second factor, as at sign-in: then even a right one waits.
    for (let i = 0; i < 4; i++) {
      await browser.post("/account/delete", { password: GOOD_PASSWORD, otp: wrongCodeAt(key, t.clock.now) });
    }
    const locked = await browser.post("/account/delete", { password: GOOD_PASSWORD, otp: codeAt(key, t.clock.now) });
    expect(locked.status).toBe(429);
    expect(locked.headers.get("retry-after")).not.toBeNull();
    expect(await homeOf(browser)).toBe("/");
    expect((await userNamed(t, "dave")).username).toBe("dave");
  });

  test("is refused without the form's CSRF token, from another site, and in a pending session", async () => {
    const { browser, key } = await signedInUser(t, "erin");
    const fields = { password: GOOD_PASSWORD, otp: codeAt(key, t.clock.now) };
    expect((await browser.post("/account/delete", fields, { csrf: false })).status).toBe(403);
    const crossSite = await browser.post("/account/delete", fields, { headers: { origin: "https://evil.example" } });
    expect(crossSite.status).toBe(403);
    const pending = new Browser(t.app);
    await signInWithPassword(pending, "erin");
    const early = await pending.post("/account/delete", fields);
    expect(early.headers.get("location")).toBe("/verify-2fa");
    expect((await userNamed(t, "erin")).username).toBe("erin");
    expect(await homeOf(browser)).toBe("/");
  });

  test("on a trusted browser, forgets that browser's trust too", async () => {
    const { key } = await signedInUser(t, "frank");
    const trusted = new Browser(t.app);
    await signIn(trusted, t, "frank", key, { remember: true });
    expect(trusted.cookies.has("tfa-trusted")).toBe(true);
    await trusted.get("/account");
    const deleted = await trusted.post("/account/delete", { password: GOOD_PASSWORD, otp: codeAt(key, t.clock.now) });
    expect(deleted.headers.get("clear-site-data")).toBe('"cookies", "storage"');
    expect(trusted.cookies.has("tfa-trusted")).toBe(false);
  });
});

describe("the host's onAccountDeleted", () => {
  /** A host app at the root with its own home page and a hook that sees the account still there. */
  function hostApp(onAccountDeleted: (userId: number) => void | Promise<void>) {
    return new Elysia()
      .use(twoFactorAuth(authOptionsOn(t, { onAccountDeleted })))
      .get("/", ({ user }) => `Hi ${user.username}`, { signedIn: true });
  }

  test("runs with the user's id once the proofs hold, before the auth's rows go", async () => {
    const seen: { userId: number; stillThere: boolean }[] = [];
    const app = hostApp(async (userId) => {
      const rows = await t.db.select().from(t.tables.users).where(eq(t.tables.users.id, userId));
      seen.push({ userId, stillThere: rows.length === 1 });
    });
    const host = { app, clock: t.clock };
    const browser = new Browser(app);
    const { key } = await enroll(browser, host, "gina");
    const gina = await userNamed(t, "gina");
    await browser.get("/account");
    const wrong = await browser.post("/account/delete", {
      password: GOOD_PASSWORD,
      otp: wrongCodeAt(key, t.clock.now),
    });
    expect(wrong.status).toBe(422);
    expect(seen).toEqual([]);
    const deleted = await browser.post("/account/delete", { password: GOOD_PASSWORD, otp: codeAt(key, t.clock.now) });
    expect(deleted.status).toBe(303);
    expect(seen).toEqual([{ userId: gina.id, stillThere: true }]);
    expect(await userNamed(t, "gina").catch(() => null)).toBeNull();
  });

  test("that throws deletes nothing: a 503 asks to try again, and the error is logged by type and stack", async () => {
    const logged: string[] = [];
    const silenced = spyOn(console, "error").mockImplementation((line: string) => void logged.push(line));
    try {
      const app = hostApp(() => {
        throw new TypeError("the host's database said no to user 42's rows");
      });
      const browser = new Browser(app);
      const { key } = await enroll(browser, { app, clock: t.clock }, "hank");
      await browser.get("/account");
      const refused = await browser.post("/account/delete", { password: GOOD_PASSWORD, otp: codeAt(key, t.clock.now) });
      expect(refused.status).toBe(503);
      expect(refused.headers.get("retry-after")).toBe("5");
      expect(await refused.text()).toContain("Your account was not deleted");
      expect((await userNamed(t, "hank")).username).toBe("hank");
      expect((await browser.get("/")).status).toBe(200);
      expect(logged.join("\n")).toContain("onAccountDeleted failed with TypeError");
      expect(logged.join("\n")).not.toContain("user 42");
    } finally {
      silenced.mockRestore();
    }
  });
});

describe("downloading the security log", () => {
  test("is the whole log as a JSON attachment: every event, with its time, browser and IP as shown", async () => {
    const { browser, key } = await signedInUser(t, "ivy");
    await signedInUser(t, "jack");
    const ivy = await userNamed(t, "ivy");
    // More than the page shows (50), written as the log writes them.
    const { securityEvents } = t.tables;
    const at = t.clock.now;
    await t.db.insert(securityEvents).values(
      Array.from({ length: 60 }, (_, i) => ({
        userId: ivy.id,
        type: "password_failed" as const,
        ip: "203.0.113.9",
        userAgent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:140.0) Gecko/20100101 Firefox/140.0",
        createdAt: at - (i + 1) * 1000,
      })),
    );
    await browser.post("/account/recovery-codes", { otp: codeAt(key, t.clock.now) });

    const response = await browser.get("/account/security-log.json");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(response.headers.get("content-disposition")).toBe('attachment; filename="security-log-ivy.json"');
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    const log = (await response.json()) as {
      username: string;
      downloadedAt: string;
      events: { at: string; type: string; description: string; ip: string | null; browser: string }[];
    };
    expect(log.username).toBe("ivy");
    expect(log.downloadedAt).toBe(new Date(t.clock.now).toISOString());
    const stored = await t.db.select().from(securityEvents).where(eq(securityEvents.userId, ivy.id));
    expect(log.events.length).toBe(stored.length);
    expect(log.events.length).toBeGreaterThan(60);
    expect(log.events[0]).toMatchObject({
      type: "recovery_codes_regenerated",
      description: "New recovery codes made; the old ones stopped working",
      browser: "Firefox on Windows",
      at: new Date(t.clock.now).toISOString(),
    });
    expect(log.events.at(-1)?.type).toBe("registered");
    expect(log.events.filter((event) => event.ip === "203.0.113.9").length).toBe(60);
    // Newest first, and only ivy's.
    const times = log.events.map((event) => event.at);
    expect(times).toEqual([...times].sort().reverse());
    expect(JSON.stringify(log)).not.toContain("jack");

    // The page links to it.
    const page = await dom(await browser.get("/account"));
    expect(page.querySelector("#security-log a")?.getAttribute("href")).toBe("/account/security-log.json");
  });

  test("is for the signed-in owner only", async () => {
    await signedInUser(t, "kate");
    const anonymous = new Browser(t.app);
    const refused = await anonymous.get("/account/security-log.json");
    expect(refused.status).toBe(303);
    expect(refused.headers.get("location")).toBe("/login");
    const pending = new Browser(t.app);
    await signInWithPassword(pending, "kate");
    expect((await pending.get("/account/security-log.json")).headers.get("location")).toBe("/verify-2fa");
  });
});
