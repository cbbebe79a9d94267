import { parseHTML } from "linkedom";
import { codeAt } from "../src/auth/factors/totp";
import { createApp } from "../src/demo/app";
import { type Config, loadConfig } from "../src/demo/config";
import type { SecurityNotice, TwoFactorAuthOptions } from "../src/index";
import { testDatabase } from "./databases";

export const ORIGIN = "http://localhost:3000";
export const TEST_SECRET = "test-secret-test-secret-test-secret-test-secret";
export const GOOD_PASSWORD = "correct horse battery staple";

/**
 * A fresh app on a fresh database (in-memory SQLite, or PostgreSQL under TEST_DATABASE_URL),
 * with a clock the test moves by hand. `db` and `tables` let a test look at what was stored.
 */
export async function testApp(env: Record<string, string> = {}) {
  const config: Config = loadConfig({ APP_SECRET: TEST_SECRET, ...env }, "production");
  const { database, close } = await testDatabase();
  const clock = { now: Date.UTC(2026, 10, 24, 12, 0, 0) };
  /** Every security notice the app sent, in order. */
  const notices: SecurityNotice[] = [];
  const app = createApp({
    database,
    config,
    clock: () => clock.now,
    onSecurityEvent: (notice) => void notices.push(notice),
  });
  return { app, database, db: database.orm, tables: database.tables, config, clock, close, notices };
}

export type TestApp = Awaited<ReturnType<typeof testApp>>;

/** The auth's options as a host mounts it, on a test app's database and clock, with `extra` on top. */
export const authOptionsOn = (
  t: Pick<TestApp, "database" | "clock">,
  extra: Partial<TwoFactorAuthOptions> = {},
): TwoFactorAuthOptions => ({
  database: t.database,
  secret: TEST_SECRET,
  origin: ORIGIN,
  clock: () => t.clock.now,
  ...extra,
});
/** What the flow helpers need of a test app: its routes and its clock. */
type AppAndClock = { app: Browser["app"]; clock: TestApp["clock"] };

/** `signal` hangs up: over HTTP, the connection is dropped, as a browser's closed tab drops it. */
type RequestOptions = { htmx?: boolean; headers?: Record<string, string>; signal?: AbortSignal };

/**
 * A minimal browser: keeps cookies, sends the CSRF token the last page gave it,
 * and parses HTML with a real DOM parser.
 */
export class Browser {
  cookies = new Map<string, string>();
  csrfToken = "";

  constructor(
    /** The app under test, or a real server behind `overHttp`. */
    readonly app: { handle(request: Request): Promise<Response> },
    readonly origin = ORIGIN,
    /** Sent with every request, such as a user agent. */
    readonly defaultHeaders: Record<string, string> = {},
  ) {}

  async request(method: string, path: string, init: RequestInit & RequestOptions = {}): Promise<Response> {
    const headers = new Headers({ ...this.defaultHeaders, ...init.headers });
    if (this.cookies.size > 0) {
      headers.set("cookie", [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; "));
    }
    if (init.htmx) headers.set("hx-request", "true");
    const response = await this.app.handle(new Request(`${this.origin}${path}`, { ...init, method, headers }));
    for (const header of response.headers.getSetCookie()) {
      const [pair = ""] = header.split(";");
      const [name = "", value = ""] = pair.split(/=(.*)/s);
      if (/max-age=0/i.test(header) || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return response;
  }

  /** GET a page and remember the CSRF token from its form. */
  async get(path: string, options: RequestOptions = {}): Promise<Response> {
    const response = await this.request("GET", path, options);
    const text = await response.clone().text();
    const token = text
      ? parseHTML(`<html><body>${text}</body></html>`).document.querySelector("input[name=csrf]")
      : null;
    if (token) this.csrfToken = token.getAttribute("value") ?? "";
    return response;
  }

  /** POST a form as the browser would: urlencoded, same origin, with the CSRF token. */
  post(
    path: string,
    fields: Record<string, string>,
    options: RequestOptions & { csrf?: boolean } = {},
  ): Promise<Response> {
    const body = new URLSearchParams(options.csrf === false ? fields : { csrf: this.csrfToken, ...fields });
    return this.request("POST", path, {
      ...options,
      body: body.toString(),
      headers: { "content-type": "application/x-www-form-urlencoded", origin: this.origin, ...options.headers },
    });
  }

  /**
   * POST a form, then load the page its 303 leads to, as a browser does: after a step up or a
   * sign-out, that page's forms carry the CSRF token now due. The POST's answer is returned.
   */
  async postAndFollow(path: string, fields: Record<string, string>): Promise<Response> {
    const response = await this.post(path, fields);
    const next = response.headers.get("location");
    if (response.status === 303 && next) await this.get(next);
    return response;
  }
}

/** Sends what a Browser asks to a real server at `base` (such as http://127.0.0.1:3001), as a load balancer would. */
export function overHttp(base: string) {
  return {
    async handle(request: Request): Promise<Response> {
      const { pathname, search } = new URL(request.url);
      const body = request.method === "GET" ? undefined : await request.arrayBuffer();
      return fetch(`${base}${pathname}${search}`, {
        method: request.method,
        headers: request.headers,
        body,
        redirect: "manual",
        signal: request.signal,
      });
    },
  };
}

/** Parses a page or fragment the way a browser would. */
export async function dom(response: Response) {
  const html = await response.text();
  return parseHTML(html.startsWith("<!doctype") ? html : `<!doctype html><html><body>${html}</body></html>`).document;
}

/** Registers through the routes; the browser ends up pending at the setup step. */
export async function register(browser: Browser, username: string, password = GOOD_PASSWORD, prefix = "") {
  await browser.get(`${prefix}/register`);
  const response = await browser.post(`${prefix}/register`, { username, password, confirm: password });
  if (response.status !== 303) throw new Error(`registration of ${username} failed: ${response.status}`);
  return response;
}

/** Reads the TOTP key off the setup page, as a person typing it would. */
export async function readKey(browser: Browser, setupPath = "/setup-2fa"): Promise<string> {
  const page = await dom(await browser.get(setupPath));
  const key = page.querySelector(".totp-key")?.textContent?.replace(/\s/g, "");
  if (!key) throw new Error("no key on the setup page");
  return key;
}

/** Registers and turns 2FA on; the browser ends up signed in. Returns the TOTP key. */
export async function registerWithTwoFactor(browser: Browser, t: AppAndClock, username: string): Promise<string> {
  return (await enroll(browser, t, username)).key;
}

/** Registers and turns 2FA on, reading the key and the recovery codes off the pages as a person would. */
export async function enroll(browser: Browser, t: AppAndClock, username: string) {
  await register(browser, username);
  const key = await readKey(browser);
  await browser.get("/verify-2fa");
  const response = await browser.post("/verify-2fa", { otp: codeAt(key, t.clock.now) });
  const recoveryCodes = [...(await dom(response)).querySelectorAll(".code-list code")].map((code) => code.textContent);
  if (response.status !== 200 || recoveryCodes.length !== 10) throw new Error(`enabling 2FA for ${username} failed`);
  // "I've saved them: continue": the home page, whose forms carry the new session's CSRF token.
  await browser.get("/");
  // The step used for enrolling is spent; later sign-ins in a test start from the next one.
  t.clock.now += 30_000;
  return { key, recoveryCodes };
}

/** Signs in with the password only; the browser ends up pending at the code step. */
export async function signInWithPassword(browser: Browser, username: string, password = GOOD_PASSWORD) {
  await browser.get("/login");
  return browser.postAndFollow("/login", { username, password });
}

/** A six-digit code that is wrong at this moment: none of the three the server accepts. */
export function wrongCodeAt(key: string, now: number): string {
  const accepted = new Set([-1, 0, 1].map((step) => codeAt(key, now + step * 30_000)));
  for (let guess = 0; ; guess++) {
    const code = String(guess).padStart(6, "0");
    if (!accepted.has(code)) return code;
  }
}

/** Signs in with password and the current code; the browser ends up signed in (or trusted, straight in). */
export async function signIn(
  browser: Browser,
  t: AppAndClock,
  username: string,
  key: string,
  options: { password?: string; remember?: boolean } = {},
) {
  const response = await signInWithPassword(browser, username, options.password);
  if (response.headers.get("location") !== "/verify-2fa") return response;
  await browser.get("/verify-2fa");
  const fields: Record<string, string> = { otp: codeAt(key, t.clock.now) };
  if (options.remember) fields.remember = "on";
  const signedIn = await browser.postAndFollow("/verify-2fa", fields);
  if (signedIn.headers.get("location") !== "/") throw new Error(`sign-in of ${username} failed: ${signedIn.status}`);
  // The step just used is spent; the next proof in a test comes from the next one.
  t.clock.now += 30_000;
  return signedIn;
}

/** The error or hint shown under the input with this id. */
export function noteOf(page: ReturnType<typeof parseHTML>["document"], inputId: string): string {
  const input = page.getElementById(inputId);
  return page.getElementById(input?.getAttribute("aria-describedby") ?? "")?.textContent ?? "";
}
