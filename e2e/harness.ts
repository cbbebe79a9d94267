// What the browser suite needs: the app as production runs it, Debian's Chromium, and the
// checks every page state passes (console, CSP, axe).

import { afterAll, beforeAll, expect } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import AxeBuilder from "@axe-core/playwright";
import jsQR from "jsqr";
import * as OTPAuth from "otpauth";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { PNG } from "pngjs";
import type { SecurityNotice } from "../src/index";
import { freePort, launch, randomSecret } from "../tests/processes";
import { smtpSink } from "../tests/smtp-sink";

export const PASSWORD = "correct horse battery staple";
export const SCREENSHOTS = join(import.meta.dir, "screenshots");

/**
 * `bun run start` on a free port and a throwaway database, with email to an SMTP server of the
 * suite's own; resolves once it answers. `notices()` are the security notices it has written
 * to stdout so far, as an operator following its log would read them.
 */
export async function startServer() {
  const dir = mkdtempSync(join(tmpdir(), "bun-2fa-e2e-"));
  const port = freePort();
  const origin = `http://localhost:${port}`;
  const mail = smtpSink();
  const { child } = await launch(
    ["bun", "run", "start"],
    {
      PORT: String(port),
      APP_ORIGIN: origin,
      APP_SECRET: randomSecret(),
      DATABASE_URL: join(dir, "e2e.sqlite"),
      SHUTDOWN_DRAIN_SECONDS: "0", // no balancer to wait for
      SMTP_URL: mail.url,
    },
    `${origin}/login`,
    "pipe",
  );
  let logged = "";
  const reading = (async () => {
    for await (const chunk of child.stdout as ReadableStream<Uint8Array>) logged += new TextDecoder().decode(chunk);
  })();
  return {
    origin,
    mail,
    notices: (): SecurityNotice[] =>
      logged
        .split("\n")
        .filter((line) => line.includes('"securityNotice"'))
        .map((line) => JSON.parse(line).securityNotice),
    async stop() {
      child.kill();
      await child.exited;
      await reading;
      mail.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * One server and one Chromium for a test file, started before its tests and stopped after:
 * read `origin` and `browser` inside a test, once they are up.
 */
export function serverAndBrowser() {
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    server = await startServer();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });
  const up = <Value>(value: Value | undefined) => {
    if (value === undefined) throw new Error("the server and browser are not started");
    return value;
  };
  return {
    get origin() {
      return up(server).origin;
    },
    get server() {
      return up(server);
    },
    get browser() {
      return up(browser);
    },
  };
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
    ],
  });
}

type Problem = { kind: "console" | "page error" | "csp"; text: string; url?: string };

/**
 * A browser context that records every console error, uncaught page error and CSP
 * violation. Chromium reports each 4xx answer as a console error ("Failed to load
 * resource"); the journeys get those on purpose, and say so with `expectRefusal`.
 */
export async function watchedContext(
  browser: Browser,
  options: { javaScriptEnabled: boolean; viewport?: { width: number; height: number }; colorScheme?: "dark" },
) {
  const context = await browser.newContext({ viewport: { width: 1000, height: 900 }, ...options });
  const problems: Problem[] = [];
  const expected: { status: number; path: string }[] = [];
  await context.exposeBinding("reportCspViolation", (_source, violation: string) => {
    problems.push({ kind: "csp", text: violation });
  });
  await context.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (event) => {
      (window as unknown as { reportCspViolation: (text: string) => void }).reportCspViolation(
        `${event.violatedDirective} blocked ${event.blockedURI || "inline"} ${event.sample}`,
      );
    });
  });
  context.on("console", (message) => {
    if (message.type() !== "error") return;
    const url = message.location().url;
    const refusal = /the server responded with a status of (\d+)/.exec(message.text());
    const index = expected.findIndex(
      (answer) => refusal && Number(refusal[1]) === answer.status && new URL(url).pathname === answer.path,
    );
    if (index >= 0) expected.splice(index, 1);
    else
      problems.push({
        kind: message.text().includes("Content Security Policy") ? "csp" : "console",
        text: message.text(),
        url,
      });
  });
  context.on("weberror", (error) => problems.push({ kind: "page error", text: error.error().message }));
  return {
    context,
    problems,
    javaScriptEnabled: options.javaScriptEnabled,
    /** The next console report of this status for this path is the app answering as designed. */
    expectRefusal(status: number, path: string) {
      expected.push({ status, path });
    },
  };
}

/**
 * The serious or critical WCAG 2.1 A/AA violations in the page as it is now. axe runs as a
 * script in the page, which a page without JavaScript refuses; such a page is copied, with
 * its URL and stylesheets but with scripts blocked, into a page where axe can run.
 */
export async function accessibilityViolations(page: Page, javaScriptEnabled: boolean): Promise<string[]> {
  if (javaScriptEnabled) return seriousViolations(page);
  const html = await page.content();
  const copy = await page
    .context()
    .browser()
    ?.newContext({ viewport: page.viewportSize() ?? undefined });
  if (!copy) throw new Error("no browser");
  try {
    const clone = await copy.newPage();
    await clone.route("**/*.js", (route) => route.abort());
    await clone.route(page.url(), (route) => route.fulfill({ body: html, contentType: "text/html; charset=utf-8" }));
    await clone.goto(page.url());
    return await seriousViolations(clone);
  } finally {
    await copy.close();
  }
}

async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  return results.violations
    .filter((violation) => violation.impact === "serious" || violation.impact === "critical")
    .map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(" ")).join(", ")}`);
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  // caret "initial": the default hides the caret with a style attribute, which the CSP refuses.
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true, caret: "initial" });
}

/** Reads the QR code off the screen as a phone would, and returns the TOTP it holds. */
export async function scanQrCode(page: Page): Promise<{ uri: string; totp: OTPAuth.TOTP }> {
  const image = PNG.sync.read(await page.locator(".qr img").screenshot({ caret: "initial" }));
  const code = jsQR(new Uint8ClampedArray(image.data), image.width, image.height);
  if (!code) throw new Error("no QR code could be read off the setup page");
  const totp = OTPAuth.URI.parse(code.data);
  if (!(totp instanceof OTPAuth.TOTP)) throw new Error(`not a TOTP URI: ${code.data}`);
  return { uri: code.data, totp };
}

/** A code that is wrong now: none of the three steps the server accepts. */
export function wrongCode(totp: OTPAuth.TOTP): string {
  const accepted = new Set([-1, 0, 1].map((step) => totp.generate({ timestamp: Date.now() + step * 30_000 })));
  for (let guess = 0; ; guess++) {
    const code = String(guess).padStart(6, "0");
    if (!accepted.has(code)) return code;
  }
}

export type Watched = Awaited<ReturnType<typeof watchedContext>>;

/** What every page state must pass: no console error, no CSP violation, no serious axe finding. */
export async function checkState(page: Page, watched: Watched, name: string) {
  await screenshot(page, name);
  const violations = await accessibilityViolations(page, watched.javaScriptEnabled);
  expect({ state: name, violations }).toEqual({ state: name, violations: [] });
  expect({ state: name, problems: watched.problems }).toEqual({ state: name, problems: [] });
}

/** Fills and sends the registration form. */
export async function register(page: Page, username: string) {
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByLabel("Password, again").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
}
export type { Browser, BrowserContext, Page };
