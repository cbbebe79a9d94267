import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eq, inArray } from "drizzle-orm";
import { codeAt } from "../src/auth/factors/totp";
import { openDatabase } from "../src/db/database";
import { createApp } from "../src/demo/app";
import { loadConfig } from "../src/demo/config";
import { freshDatabaseUrl } from "./databases";
import { Browser, dom, enroll, register, signIn, signInWithPassword, TEST_SECRET, wrongCodeAt } from "./helpers";

// The command line runs as its own process on a database the app also uses, as an operator would run it.
const fresh = await freshDatabaseUrl();
const databaseUrl = fresh.url;
const database = await openDatabase(databaseUrl);
const clock = { now: Date.now() };
const t = {
  app: createApp({
    database,
    config: loadConfig({ APP_SECRET: TEST_SECRET, DATABASE_URL: databaseUrl }, "production"),
    clock: () => clock.now,
  }),
  clock,
};

function admin(...args: string[]) {
  const run = Bun.spawnSync(["bun", "src/cli.ts", ...args], {
    env: { ...process.env, DATABASE_URL: databaseUrl },
    cwd: join(import.meta.dir, ".."),
  });
  return { code: run.exitCode, out: run.stdout.toString(), err: run.stderr.toString() };
}

async function homeOf(browser: Browser): Promise<string> {
  const response = await browser.get("/");
  return response.status === 200 ? "/" : (response.headers.get("location") ?? "");
}

async function logOf(browser: Browser): Promise<string> {
  return (await dom(await browser.get("/account"))).querySelector("#security-log")?.textContent ?? "";
}

let alice: Awaited<ReturnType<typeof enroll>> & { browser: Browser; codesMadeAt: number };
beforeAll(async () => {
  const browser = new Browser(t.app);
  const codesMadeAt = clock.now; // enrolling makes them at once
  alice = { browser, codesMadeAt, ...(await enroll(browser, t, "alice")) };
  const bob = new Browser(t.app);
  await enroll(bob, t, "bob");
});
afterAll(async () => {
  await database.close();
  await fresh.drop();
});

describe("bun run admin", () => {
  test("list-users shows 2FA state, lockout, sessions and recovery codes", async () => {
    const attacker = new Browser(t.app);
    await signInWithPassword(attacker, "bob");
    for (let i = 0; i < 5; i++) await attacker.post("/verify-2fa", { otp: "000000" });
    const { code, out } = admin("list-users");
    expect(code).toBe(0);
    const lines = out.trim().split("\n");
    expect(lines[0]).toMatch(/^username\s+2fa\s+locked until\s+sessions\s+recovery codes\s+codes made$/);
    const madeAt = new Date(alice.codesMadeAt).toISOString();
    expect(lines[1]).toMatch(new RegExp(`^alice\\s+on\\s+-\\s+1\\s+10\\s+${madeAt}$`));
    expect(lines[2]).toMatch(/^bob\s+on\s+\d{4}-\d\d-\d\dT\S+Z\s+2\s+10\s+\d{4}-\d\d-\d\dT\S+Z$/);
  });

  test("unlock lifts a code lockout, says so, and logs it", async () => {
    const attacker = new Browser(t.app);
    await signInWithPassword(attacker, "alice");
    for (let i = 0; i < 5; i++) await attacker.post("/verify-2fa", { otp: wrongCodeAt(alice.key, t.clock.now) });
    expect((await attacker.post("/verify-2fa", { otp: codeAt(alice.key, t.clock.now) })).status).toBe(429);

    const { code, out } = admin("unlock", "alice");
    expect(code).toBe(0);
    expect(out).toBe("Unlocked alice: password and code lockouts lifted, failure counts reset.\n");
    expect((await attacker.post("/verify-2fa", { otp: codeAt(alice.key, t.clock.now) })).headers.get("location")).toBe(
      "/",
    );
    expect(await logOf(attacker)).toContain("Lockouts lifted by an administrator");
    t.clock.now += 30_000;
  });

  test("revoke-sessions ends every session of the user", async () => {
    const other = new Browser(t.app);
    await signIn(other, t, "alice", alice.key);
    const { code, out } = admin("revoke-sessions", "alice");
    expect(code).toBe(0);
    expect(out).toMatch(/^Ended \d+ sessions of alice\.\n$/);
    expect(await homeOf(other)).toBe("/login");
    expect(await homeOf(alice.browser)).toBe("/login");
  });

  test("reset-2fa turns 2FA off and ends sessions and trusted browsers: the next sign-in enrolls again", async () => {
    const trusted = new Browser(t.app);
    await signIn(trusted, t, "alice", alice.key, { remember: true });
    const { code, out } = admin("reset-2fa", "alice");
    expect(code).toBe(0);
    expect(out).toContain("Reset 2FA for alice: 2FA is off");
    expect(out).toContain("1 session ended and 1 trusted browser forgotten");
    expect(await homeOf(trusted)).toBe("/login");

    // The trusted cookie no longer skips anything: the password leads to enrollment, with a new key.
    expect((await signInWithPassword(trusted, "alice")).headers.get("location")).toBe("/setup-2fa");
    const page = await dom(await trusted.get("/setup-2fa"));
    expect(page.querySelector(".totp-key")?.textContent?.replace(/\s/g, "")).not.toBe(alice.key);
    expect(admin("list-users").out).toMatch(/\nalice\s+enrolling\s+-\s+1\s+0\s+-\n/);
  });

  test("delete-user deletes the account and every row of it, lockouts included: the name is free again", async () => {
    const carl = new Browser(t.app);
    const { key } = await enroll(carl, t, "carl");
    const attacker = new Browser(t.app);
    await signInWithPassword(attacker, "carl");
    for (let i = 0; i < 5; i++) await attacker.post("/verify-2fa", { otp: wrongCodeAt(key, t.clock.now) });
    await signInWithPassword(new Browser(t.app), "carl", "not carl's password");
    const { users, throttles } = database.tables;
    const [row] = await database.orm.select().from(users).where(eq(users.usernameKey, "carl"));
    const keys = [`password:carl`, `code:${row?.id}`];
    expect((await database.orm.select().from(throttles).where(inArray(throttles.key, keys))).length).toBe(2);

    const { code, out } = admin("delete-user", "carl");
    expect(code).toBe(0);
    expect(out).toStartWith("Deleted carl: the account, its sessions, keys, recovery codes");
    expect(await database.orm.select().from(users).where(eq(users.usernameKey, "carl"))).toEqual([]);
    expect(await database.orm.select().from(throttles).where(inArray(throttles.key, keys))).toEqual([]);
    expect(await homeOf(carl)).toBe("/login");
    expect(admin("list-users").out).not.toContain("carl");
    await register(new Browser(t.app), "carl");
    expect(admin("delete-user", "carl").code).toBe(0);
    expect(admin("delete-user", "carl").err).toStartWith('No user named "carl".');
  });

  test("help, --help and -h print the usage and what each command does, and exit 0", () => {
    for (const flag of ["help", "--help", "-h"]) {
      const { code, out, err } = admin(flag);
      expect({ flag, code, err }).toEqual({ flag, code: 0, err: "" });
      expect(out).toStartWith("usage: elysia-two-factor list-users");
      expect(out).toContain("reset-2fa <username>    turns 2FA off");
    }
  });

  test("a bad command, a missing or unknown user, or a missing database: one line, usage, exit 1, nothing changed", () => {
    const before = admin("list-users").out;
    for (const args of [
      [],
      ["frobnicate"],
      ["unlock"],
      ["unlock", "a", "b"],
      ["list-users", "x"],
      ["reset-2fa", "nobody"],
    ]) {
      const { code, out, err } = admin(...args);
      expect({ args, code, out }).toEqual({ args, code: 1, out: "" });
      const lines = err.trim().split("\n");
      expect(lines).toHaveLength(2);
      expect(lines[1]).toStartWith("usage: elysia-two-factor list-users");
    }
    expect(admin("reset-2fa", "nobody").err).toStartWith('No user named "nobody".');
    expect(admin("list-users").out).toBe(before);

    const typo = join(tmpdir(), "bun-2fa-no-such-dir", "typo.sqlite");
    const missing = Bun.spawnSync(["bun", "src/cli.ts", "list-users"], {
      env: { ...process.env, DATABASE_URL: typo },
      cwd: join(import.meta.dir, ".."),
    });
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr.toString()).toStartWith(`No database at ${typo}.`);
    expect(existsSync(typo)).toBe(false);
  });
});
