import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../src/demo/config";
import { ConfigError } from "../src/index";
import { TEST_SECRET } from "./helpers";

const DAY = 24 * 60 * 60 * 1000;

describe("configuration", () => {
  test("defaults", () => {
    const config = loadConfig({ APP_SECRET: TEST_SECRET }, "production");
    expect(config).toEqual({
      port: 3000,
      databaseUrl: "db/app.sqlite",
      databasePoolSize: 10,
      appOrigin: "http://localhost:3000",
      secureCookies: false,
      appSecret: TEST_SECRET,
      appName: "Two-Factor Auth",
      ipRateLimit: 60,
      trustedProxyHeader: null,
      sessionIdleMs: 7 * DAY,
      sessionAbsoluteMs: 30 * DAY,
      shutdownDrainMs: 10_000,
      smtpUrl: null,
      mailFrom: "no-reply@localhost",
    });
  });

  test("a SIGTERM drains for 10 s in production, none in development, or SHUTDOWN_DRAIN_SECONDS", () => {
    expect(loadConfig({ APP_SECRET: TEST_SECRET }, "development").shutdownDrainMs).toBe(0);
    expect(loadConfig({ APP_SECRET: TEST_SECRET, SHUTDOWN_DRAIN_SECONDS: "3" }, "production").shutdownDrainMs).toBe(
      3_000,
    );
    expect(loadConfig({ APP_SECRET: TEST_SECRET, SHUTDOWN_DRAIN_SECONDS: "0" }, "production").shutdownDrainMs).toBe(0);
  });

  test("SMTP_URL must be an smtp:// or smtps:// URL; MAIL_FROM defaults to no-reply at APP_ORIGIN's host", () => {
    const mail = loadConfig(
      { APP_SECRET: TEST_SECRET, SMTP_URL: "smtps://u:p@mail.example.com", APP_ORIGIN: "https://app.example.com" },
      "production",
    );
    expect([mail.smtpUrl, mail.mailFrom]).toEqual(["smtps://u:p@mail.example.com", "no-reply@app.example.com"]);
    for (const SMTP_URL of ["mail.example.com", "http://mail.example.com", "smtp//x"]) {
      expect(() => loadConfig({ APP_SECRET: TEST_SECRET, SMTP_URL }, "production")).toThrow(
        "SMTP_URL must be an smtp:// or smtps:// URL",
      );
    }
  });

  test("APP_ORIGIN follows PORT, and https turns on secure cookies", () => {
    expect(loadConfig({ APP_SECRET: TEST_SECRET, PORT: "8080" }, "production").appOrigin).toBe("http://localhost:8080");
    const https = loadConfig({ APP_SECRET: TEST_SECRET, APP_ORIGIN: "https://auth.example.com" }, "production");
    expect(https.secureCookies).toBe(true);
  });

  test.each([
    [{}, "APP_SECRET is required"],
    [{ APP_SECRET: "short" }, "at least 43 characters"],
    [{ APP_SECRET: TEST_SECRET, PORT: "http" }, "PORT must be a whole number"],
    [{ APP_SECRET: TEST_SECRET, PORT: "70000" }, "PORT must be a whole number"],
    [{ APP_SECRET: TEST_SECRET, APP_ORIGIN: "example.com" }, "APP_ORIGIN must be a URL"],
    [{ APP_SECRET: TEST_SECRET, APP_ORIGIN: "ftp://example.com" }, "must start with http"],
    [{ APP_SECRET: TEST_SECRET, APP_ORIGIN: "https://example.com/app" }, "without a path"],
    [{ APP_SECRET: TEST_SECRET, IP_RATE_LIMIT: "-1" }, "IP_RATE_LIMIT must be a whole number"],
    [{ APP_SECRET: TEST_SECRET, SESSION_IDLE_DAYS: "0" }, "SESSION_IDLE_DAYS must be a number of days above 0"],
    [{ APP_SECRET: TEST_SECRET, SESSION_ABSOLUTE_DAYS: "forever" }, "SESSION_ABSOLUTE_DAYS must be a number"],
    [{ APP_SECRET: TEST_SECRET, DATABASE_POOL_SIZE: "0" }, "DATABASE_POOL_SIZE must be at least 1"],
    [{ APP_SECRET: TEST_SECRET, DATABASE_POOL_SIZE: "many" }, "DATABASE_POOL_SIZE must be a whole number"],
    [{ APP_SECRET: TEST_SECRET, SHUTDOWN_DRAIN_SECONDS: "1.5" }, "SHUTDOWN_DRAIN_SECONDS must be a whole number"],
  ])("%p is refused with a clear message", (env, message) => {
    expect(() => loadConfig(env, "production")).toThrow(ConfigError);
    expect(() => loadConfig(env, "production")).toThrow(message);
  });

  test("a postgres:// DATABASE_URL and its pool size are taken as given", () => {
    const url = "postgresql://app:secret@db.internal:5432/auth";
    const config = loadConfig({ APP_SECRET: TEST_SECRET, DATABASE_URL: url, DATABASE_POOL_SIZE: "25" }, "production");
    expect(config.databaseUrl).toBe(url);
    expect(config.databasePoolSize).toBe(25);
  });

  test("development makes a secret once, keeps it beside the database, and reuses it", () => {
    const dir = mkdtempSync(join(tmpdir(), "bun-2fa-"));
    const env = { DATABASE_URL: join(dir, "app.sqlite") };
    const first = loadConfig(env, "development");
    const file = join(dir, ".dev-secret");
    expect(existsSync(file)).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, "utf8").trim()).toBe(first.appSecret);
    expect(first.appSecret.length).toBeGreaterThanOrEqual(43);
    expect(loadConfig(env, "development").appSecret).toBe(first.appSecret);
  });
});

describe("bun run start", () => {
  test("refuses to start without APP_SECRET, in one line", () => {
    const { PATH, HOME } = process.env;
    const result = Bun.spawnSync(["bun", "src/demo/server.ts"], {
      env: { PATH, HOME, NODE_ENV: "production" },
      stderr: "pipe",
    });
    expect(result.exitCode).toBe(1);
    const lines = result.stderr.toString().trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toStartWith("Cannot start: APP_SECRET is required");
  });

  test("refuses to start, in one line and without the password, when PostgreSQL cannot be reached", () => {
    const { PATH, HOME } = process.env;
    const result = Bun.spawnSync(["bun", "src/demo/server.ts"], {
      env: {
        PATH,
        HOME,
        NODE_ENV: "production",
        APP_SECRET: TEST_SECRET,
        DATABASE_URL: "postgres://app:hunter2hunter2@127.0.0.1:1/auth",
      },
      stderr: "pipe",
    });
    expect(result.exitCode).toBe(1);
    const lines = result.stderr.toString().trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toStartWith("Cannot start: cannot open the database at postgres://127.0.0.1:1/auth: ");
    expect(result.stderr.toString()).not.toContain("hunter2");
  });
});
