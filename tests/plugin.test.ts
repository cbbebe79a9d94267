import { afterEach, beforeEach, describe, expect, spyOn, test } from "bun:test";
import Html from "@kitajs/html";
import { Elysia } from "elysia";
import { codeAt } from "../src/auth/factors/totp";
import type { Database } from "../src/db/database";
import { createApp } from "../src/demo/app";
import { loadConfig } from "../src/demo/config";
import { ConfigError, errorPages, type PageLayout, twoFactorAuth } from "../src/index";
import { pageRenderer } from "../src/web/respond";
import { SoftAuthenticator } from "./authenticator";
import { backend, testDatabase } from "./databases";
import {
  Browser,
  dom,
  enroll,
  GOOD_PASSWORD,
  ORIGIN,
  readKey,
  register,
  signInWithPassword,
  TEST_SECRET,
  testApp,
} from "./helpers";
import { freePort } from "./processes";

/** A host app of its own: the auth under /auth, its own JSON API, its own form, and its own signed-in page. */
function hostApp(database: Database, clock: { now: number }) {
  const notes: unknown[] = [];
  const app = new Elysia()
    .use(
      twoFactorAuth({
        database,
        secret: TEST_SECRET,
        origin: ORIGIN,
        clock: () => clock.now,
        prefix: "/auth",
        homePath: "/dashboard",
      }),
    )
    .get("/dashboard", ({ user }) => `Hi ${user.username}`, { signedIn: true })
    .post(
      "/api/notes",
      ({ body }) => {
        notes.push(body);
        return { saved: notes.length };
      },
      { parse: "json" },
    )
    .get("/contact", ({ csrfToken }) => `<form><input name="csrf" value="${csrfToken}"></form>`, { csrf: true })
    .post("/contact", ({ body }) => `thanks ${(body as { message: string }).message}`, { csrf: true })
    .post("/dashboard/notes", ({ user, body }) => `${user.username}: ${(body as { note: string }).note}`, {
      signedIn: true,
      csrf: true,
    })
    .post("/dashboard/ping", ({ user }) => `pong ${user.username}`, { signedIn: true })
    .get("/me", ({ user, session }) => ({ user, session }), { signedIn: true });
  return { app, notes, database };
}

describe("mounted in a host app under a prefix", () => {
  let host: ReturnType<typeof hostApp>;
  let close: () => Promise<void>;
  const clock = { now: Date.UTC(2026, 10, 24, 12, 0, 0) };

  beforeEach(async () => {
    const opened = await testDatabase();
    close = opened.close;
    host = hostApp(opened.database, clock);
  });
  afterEach(() => close());

  /** Registers at /auth/register and turns 2FA on; the browser ends up signed in. */
  async function enrolled(browser: Browser, username: string) {
    await browser.get("/auth/register");
    const registered = await browser.post("/auth/register", {
      username,
      password: GOOD_PASSWORD,
      confirm: GOOD_PASSWORD,
    });
    expect(registered.headers.get("location")).toBe("/auth/setup-2fa");
    const setup = await dom(await browser.get("/auth/setup-2fa"));
    const key = setup.querySelector(".totp-key")?.textContent?.replace(/\s/g, "") ?? "";
    await browser.get("/auth/verify-2fa");
    const verified = await browser.post("/auth/verify-2fa", { otp: codeAt(key, clock.now) });
    expect(verified.status).toBe(200);
    clock.now += 30_000;
    return key;
  }

  test("the auth serves its own files under its prefix and sends its pages' security headers; the host's routes get neither", async () => {
    const browser = new Browser(host.app);
    const login = await browser.get("/auth/login");
    expect(login.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(login.headers.get("x-frame-options")).toBe("DENY");
    const page = await dom(login);
    const loaded = [
      ...[...page.querySelectorAll("script[src]")].map((element) => element.getAttribute("src") ?? ""),
      ...[...page.querySelectorAll("link[href]")].map((element) => element.getAttribute("href") ?? ""),
    ];
    expect(loaded.length).toBe(7);
    for (const path of loaded) {
      expect(path).toStartWith("/auth/assets/");
      const file = await browser.get(path);
      expect({ path, status: file.status }).toEqual({ path, status: 200 });
      expect(file.headers.get("content-type")).toMatch(/^(text\/javascript|text\/css|image\/svg\+xml)/);
      expect((await file.arrayBuffer()).byteLength).toBeGreaterThan(100);
    }
    expect((await browser.get("/assets/htmx.min.js")).status).toBe(404);
    const hostRoute = await browser.get("/contact");
    expect(hostRoute.status).toBe(200);
    expect(hostRoute.headers.get("content-security-policy")).toBeNull();
    expect(hostRoute.headers.get("x-frame-options")).toBeNull();
  });

  test("the host's home is reached by a full navigation, never swapped into the auth's #main", async () => {
    const browser = new Browser(host.app);
    await browser.get("/auth/register");
    await browser.post("/auth/register", { username: "hal", password: GOOD_PASSWORD, confirm: GOOD_PASSWORD });
    const key = await readKey(browser, "/auth/setup-2fa");
    await browser.get("/auth/verify-2fa");
    const enrolled = await browser.post("/auth/verify-2fa", { otp: codeAt(key, clock.now) }, { htmx: true });
    const onward = [...(await dom(enrolled)).querySelectorAll("a")].find(
      (a) => a.getAttribute("href") === "/dashboard",
    );
    expect(onward?.textContent).toContain("continue");
    expect(onward?.hasAttribute("hx-get")).toBe(false);
    clock.now += 30_000;

    await browser.post("/auth/logout", {});
    await browser.get("/auth/login");
    await browser.post("/auth/login", { username: "hal", password: GOOD_PASSWORD });
    await browser.get("/auth/verify-2fa");
    const signedIn = await browser.post("/auth/verify-2fa", { otp: codeAt(key, clock.now) }, { htmx: true });
    expect(signedIn.headers.get("hx-redirect")).toBe("/dashboard");
    expect(signedIn.headers.get("hx-location")).toBeNull();
    const account = await dom(await browser.get("/auth/account"));
    const back = [...account.querySelectorAll("a")].find((a) => a.getAttribute("href") === "/dashboard");
    expect(back?.hasAttribute("hx-get")).toBe(false);
  });

  test("a signed-in route gets public views of the user and the session: no hash, no key, no token", async () => {
    const browser = new Browser(host.app);
    const key = await enrolled(browser, "mia");
    const me = await browser.get("/me");
    expect(me.status).toBe(200);
    const text = await me.text();
    const { user, session } = JSON.parse(text);
    expect(Object.keys(user).sort()).toEqual(
      ["appLinked", "createdAt", "id", "recoveryCodesLeft", "twoFactorEnabledAt", "username"].sort(),
    );
    expect(user).toMatchObject({ username: "mia", appLinked: true, recoveryCodesLeft: 10 });
    expect(Object.keys(session).sort()).toEqual(
      [
        "createdAt",
        "expiresAt",
        "factorConfirmedAt",
        "failedCodesBefore",
        "lastSeenAt",
        "signedInWith",
        "usedRecoveryCode",
      ].sort(),
    );
    const [row] = await host.database.orm.select().from(host.database.tables.users);
    const token = decodeURIComponent(browser.cookies.get("tfa-session") ?? "").split(".")[0] ?? "";
    for (const secret of [row?.passwordHash ?? "", row?.totpSecret ?? "", key, token, "argon2"]) {
      expect(secret.length).toBeGreaterThan(5);
      expect(text).not.toContain(secret);
    }
  });

  test("the host's JSON API is untouched: no form parser, no origin check, no CSRF token, no session lookup", async () => {
    const response = await host.app.handle(
      new Request(`${ORIGIN}/api/notes`, {
        method: "POST",
        headers: { "content-type": "application/json", origin: "https://elsewhere.example" },
        body: JSON.stringify({ text: "hello" }),
      }),
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ saved: 1 });
    expect(host.notes).toEqual([{ text: "hello" }]);
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  test("a missing or short secret, or an origin that is not one, stops the mount with one line naming it", async () => {
    const { database, close } = await testDatabase();
    for (const [options, line] of [
      [{ secret: "", origin: ORIGIN }, "secret is required; generate one with"],
      [{ secret: "short", origin: ORIGIN }, "secret must be at least 43 characters"],
      [{ secret: TEST_SECRET, origin: "" }, 'origin must be a URL such as https://example.com, got ""'],
      [{ secret: TEST_SECRET, origin: "localhost:3000" }, "origin must start with http:// or https://"],
      [{ secret: TEST_SECRET, origin: "https://example.com/app" }, "origin must be an origin without a path"],
    ] as const) {
      expect(() => twoFactorAuth({ database, ...options })).toThrow(ConfigError);
      expect(() => twoFactorAuth({ database, ...options })).toThrow(line);
    }
    await close();
  });

  test("a route that names a guard before the auth is mounted stops the start, naming the route", async () => {
    const { database, close } = await testDatabase();
    for (const guard of ["signedIn", "csrf"]) {
      const app = new Elysia()
        .get("/early", () => "for anyone", { [guard]: true } as Record<string, boolean>)
        .use(twoFactorAuth({ database, secret: TEST_SECRET, origin: ORIGIN }))
        .get("/late", ({ user }) => user.username, { signedIn: true });
      const port = freePort();
      expect(() => app.listen(port)).toThrow(
        `GET /early asks for ${guard}, but was registered before .use(twoFactorAuth(…))`,
      );
      // Nothing is left listening.
      expect(await fetch(`http://127.0.0.1:${port}/early`).catch(() => "refused")).toBe("refused");
    }
    const fine = new Elysia()
      .use(twoFactorAuth({ database, secret: TEST_SECRET, origin: ORIGIN }))
      .get("/late", ({ user }) => user.username, { signedIn: true })
      .listen(0);
    expect((await fetch(`http://127.0.0.1:${fine.server?.port}/late`, { redirect: "manual" })).status).toBe(303);
    await fine.stop(true);
    await close();
  });

  test("mounting it twice in one app stops the start with one line", async () => {
    const { database, close } = await testDatabase();
    const app = new Elysia()
      .use(twoFactorAuth({ database, secret: TEST_SECRET, origin: ORIGIN, prefix: "/auth" }))
      .use(twoFactorAuth({ database, secret: TEST_SECRET, origin: ORIGIN, prefix: "/other" }));
    const port = freePort();
    expect(() => app.listen(port)).toThrow('twoFactorAuth is mounted twice in one app (prefixes "/auth" and "/other")');
    expect(await fetch(`http://127.0.0.1:${port}/auth/login`).catch(() => "refused")).toBe("refused");
    await close();
  });

  test("a prefix with a trailing slash mounts the same; one that is not a path is refused at start", async () => {
    const { database, close } = await testDatabase();
    const app = new Elysia().use(twoFactorAuth({ database, secret: TEST_SECRET, origin: ORIGIN, prefix: "/auth/" }));
    expect((await app.handle(new Request(`${ORIGIN}/auth/login`))).status).toBe(200);
    expect(() => twoFactorAuth({ database, secret: TEST_SECRET, origin: ORIGIN, prefix: "auth" })).toThrow(
      'the prefix must start with "/"',
    );
    await close();
  });

  test("the auth's pages and forms live under the prefix, and link to each other there", async () => {
    const browser = new Browser(host.app);
    const login = await dom(await browser.get("/auth/login"));
    expect(login.querySelector("form")?.getAttribute("action")).toBe("/auth/login");
    expect(login.querySelector("a[href='/auth/register']")).not.toBeNull();
    expect((await browser.get("/login")).status).toBe(404);
  });

  test("signedIn sends anonymous and pending sessions to their step, and lets a signed-in one through", async () => {
    const anonymous = new Browser(host.app);
    expect((await anonymous.get("/dashboard")).headers.get("location")).toBe("/auth/login");

    const owner = new Browser(host.app);
    const key = await enrolled(owner, "alice");
    const home = await owner.get("/dashboard");
    expect(home.status).toBe(200);
    expect(await home.text()).toBe("Hi alice");

    // A pending session never reaches a host route: not after the password, not while enrolling.
    const pending = new Browser(host.app);
    await pending.get("/auth/login");
    const password = await pending.post("/auth/login", { username: "alice", password: GOOD_PASSWORD });
    expect(password.headers.get("location")).toBe("/auth/verify-2fa");
    const refused = await pending.get("/dashboard");
    expect(refused.status).toBe(303);
    expect(refused.headers.get("location")).toBe("/auth/verify-2fa");
    const enrolling = new Browser(host.app);
    await enrolling.get("/auth/register");
    await enrolling.post("/auth/register", { username: "bob", password: GOOD_PASSWORD, confirm: GOOD_PASSWORD });
    expect((await enrolling.get("/dashboard")).headers.get("location")).toBe("/auth/setup-2fa");

    // The code completes the sign-in, and lands on the host's page.
    await pending.get("/auth/verify-2fa");
    const signedIn = await pending.post("/auth/verify-2fa", { otp: codeAt(key, clock.now) });
    expect(signedIn.headers.get("location")).toBe("/dashboard");
    expect(await (await pending.get("/dashboard")).text()).toBe("Hi alice");
  });

  test("the auth answers its own refusals as pages, with no error handler of the host's", async () => {
    const json = await host.app.handle(
      new Request(`${ORIGIN}/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json", origin: ORIGIN },
        body: JSON.stringify({ username: "x", password: "y" }),
      }),
    );
    expect(json.status).toBe(415);
    expect(json.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect((await dom(json)).querySelector("h1")?.textContent).toBe("Unsupported form");
    const browser = new Browser(host.app);
    await browser.get("/auth/login");
    const missing = await browser.post("/auth/login", { username: "x" });
    expect(missing.status).toBe(400);
    expect((await dom(missing)).querySelector("h1")?.textContent).toBe("Bad form");
  });

  test("a forged session cookie on a host route starts sign-in again, with every cookie of the auth cleared", async () => {
    const owner = new Browser(host.app);
    await enrolled(owner, "dora");
    const [token] = (owner.cookies.get("tfa-session") ?? "").split(".");
    owner.cookies.set("tfa-session", `${token}.${"A".repeat(43)}`);
    const refused = await owner.get("/dashboard");
    expect(refused.status).toBe(303);
    expect(refused.headers.get("location")).toBe("/auth/login");
    const cleared = refused.headers.getSetCookie().filter((line) => /Max-Age=0/.test(line));
    expect(cleared.map((line) => line.split("=")[0]).sort()).toEqual(["tfa-csrf", "tfa-session", "tfa-trusted"]);
  });

  test("a host cookie named session is the host's: never read as the auth's, never cleared", async () => {
    const owner = new Browser(host.app);
    owner.cookies.set("session", "the-host-s-own-value");
    await enrolled(owner, "sol");
    expect((await owner.get("/dashboard")).status).toBe(200);
    const [token] = (owner.cookies.get("tfa-session") ?? "").split(".");
    owner.cookies.set("tfa-session", `${token}.${"A".repeat(43)}`);
    const refused = await owner.get("/dashboard");
    expect(refused.headers.get("location")).toBe("/auth/login");
    await owner.post("/auth/logout", {});
    expect(owner.cookies.get("session")).toBe("the-host-s-own-value");
  });

  test("a host route may ask for both guards: a signed-in session and the token", async () => {
    const owner = new Browser(host.app);
    await enrolled(owner, "carol");
    await owner.get("/dashboard");
    await owner.get("/contact"); // draws the token for this session
    const fields = { note: "hello" };
    expect((await owner.post("/dashboard/notes", fields, { csrf: false })).status).toBe(403);
    const saved = await owner.post("/dashboard/notes", fields);
    expect(saved.status).toBe(200);
    expect(await saved.text()).toBe("carol: hello");
    const anonymous = new Browser(host.app);
    await anonymous.get("/contact");
    expect((await anonymous.post("/dashboard/notes", fields)).headers.get("location")).toBe("/auth/login");
  });

  test("signedIn alone refuses an unsafe request from another site, and takes one from this origin", async () => {
    const owner = new Browser(host.app);
    await enrolled(owner, "dave");
    const fromElsewhere = await owner.post("/dashboard/ping", {}, { headers: { origin: "https://evil.example" } });
    expect(fromElsewhere.status).toBe(403);
    expect(await fromElsewhere.text()).not.toContain("pong");
    const crossSite = await owner.post("/dashboard/ping", {}, { headers: { "sec-fetch-site": "cross-site" } });
    expect(crossSite.status).toBe(403);
    // A sibling subdomain is same-site, not same-origin: refused too.
    const sameSite = await owner.post("/dashboard/ping", {}, { headers: { "sec-fetch-site": "same-site" } });
    expect(sameSite.status).toBe(403);
    expect(await sameSite.text()).not.toContain("pong");
    const fromHere = await owner.post("/dashboard/ping", {});
    expect(fromHere.status).toBe(200);
    expect(await fromHere.text()).toBe("pong dave");
  });

  test("a host form that asks for CSRF protection gets it: no token or another site is 403", async () => {
    const browser = new Browser(host.app);
    await browser.get("/contact");
    expect(browser.csrfToken).not.toBe("");
    const fields = { message: "hi" };
    expect((await browser.post("/contact", fields, { csrf: false })).status).toBe(403);
    expect((await browser.post("/contact", fields, { headers: { origin: "https://evil.example" } })).status).toBe(403);
    const accepted = await browser.post("/contact", fields);
    expect(accepted.status).toBe(200);
    expect(await accepted.text()).toBe("thanks hi");
  });
});

test("a host's own layout draws the auth's whole pages; htmx still gets fragments", async () => {
  const { database, close } = await testDatabase();
  const drawn: string[] = [];
  const layout: PageLayout = ({ title, appName, homePath, children }) => {
    drawn.push(title);
    return `<!doctype html><html><head><title>${Html.escapeHtml(`${title} – ${appName}`)}</title></head><body><a href="${homePath}" id="host-brand">Acme</a><main id="main">${children}</main></body></html>`;
  };
  const app = new Elysia().use(
    twoFactorAuth({ database, secret: TEST_SECRET, origin: ORIGIN, layout, homePath: "/app" }),
  );
  const browser = new Browser(app);
  const page = await dom(await browser.get("/login"));
  expect(page.querySelector("#host-brand")?.getAttribute("href")).toBe("/app");
  expect(page.querySelector("title")?.textContent).toBe("Sign in – Two-Factor Auth");
  expect(page.querySelector("main#main form[action='/login']")).not.toBeNull();
  const fragment = await browser.get("/login", { htmx: true });
  expect(await fragment.text()).not.toContain("host-brand");

  // Each shell is drawn once per title and kept; every page still gets its own content in it.
  await register(browser, "hank");
  const pages = [];
  for (const path of ["/setup-2fa", "/verify-2fa", "/setup-2fa", "/verify-2fa"])
    pages.push(await dom(await browser.get(path)));
  expect(pages.map((drawnPage) => drawnPage.querySelector("title")?.textContent)).toEqual([
    "Link your authenticator app – Two-Factor Auth",
    "Enter your code – Two-Factor Auth",
    "Link your authenticator app – Two-Factor Auth",
    "Enter your code – Two-Factor Auth",
  ]);
  expect(pages.every((drawnPage) => drawnPage.querySelector("#host-brand") !== null)).toBe(true);
  expect(pages[0]?.querySelector("main#main .totp-key")?.textContent).toBe(
    pages[2]?.querySelector("main#main .totp-key")?.textContent ?? "none",
  );
  expect(new Set(drawn).size).toBe(drawn.length);
  await close();
});

test("content that comes as a promise (an async component) is put in its shell too", async () => {
  const pages = pageRenderer({ appName: "Acme", homePath: "/" });
  const set = { headers: {}, status: 200 } as Parameters<typeof pages.page>[0]["set"];
  const asyncContent = Promise.resolve("<p>later</p>");
  for (const fragment of [false, true]) {
    const html = await pages.page({ set, fragment, csrfToken: "t" }, "Later", asyncContent);
    const page = await dom(new Response(html));
    expect(page.querySelector("title")?.textContent).toBe("Later · Acme");
    expect((fragment ? page : page.querySelector("main#main"))?.querySelector("p")?.textContent).toBe("later");
  }
});

test("errorPages answers a host route's unexpected error as a page, keeping each cookie set before it", async () => {
  const silenced = spyOn(console, "error").mockImplementation(() => {});
  const app = new Elysia().use(errorPages({ appName: "Host", homePath: "/" })).get("/boom", ({ set }) => {
    set.headers["set-cookie"] = ["a=1; Path=/", "b=2; Path=/"] as unknown as string;
    throw new TypeError("nothing a person should read");
  });
  const response = await app.handle(new Request(`${ORIGIN}/boom`));
  silenced.mockRestore();
  expect(response.status).toBe(500);
  expect(response.headers.getSetCookie()).toEqual(["a=1; Path=/", "b=2; Path=/"]);
  const page = await response.text();
  expect(page).toContain("Something went wrong");
  expect(page).not.toContain("nothing a person should read");
});

test.skipIf(backend !== "postgres")(
  "with its database out of reach, a host's guarded route and the auth's pages answer 503 with Retry-After, with no error handler of the host's",
  async () => {
    const { database, close } = await testDatabase();
    const { app } = hostApp(database, { now: Date.now() });
    const browser = new Browser(app);
    await register(browser, "ulla", GOOD_PASSWORD, "/auth");
    await database.close(); // the pool is gone: every query now fails to reach the server
    const stderr = spyOn(console, "error").mockImplementation(() => {});
    try {
      for (const [path, htmx] of [
        ["/dashboard", false],
        ["/dashboard", true],
        ["/auth/setup-2fa", false],
      ] as const) {
        const answer = await browser.request("GET", path, { htmx });
        expect({ path, status: answer.status }).toEqual({ path, status: 503 });
        expect(answer.headers.get("retry-after")).toBe("5");
        expect(answer.headers.get("content-type")).toBe("text/html; charset=utf-8");
        const text = await answer.text();
        expect(text).toContain("Try again in a moment");
        expect(text.includes("<html")).toBe(!htmx);
      }
      // A route that needs no database is untouched.
      expect((await browser.request("GET", "/auth/assets/htmx.min.js")).status).toBe(200);
      // An outage is counted, not a stack a request.
      expect(stderr.mock.calls.flat().join("\n")).not.toContain(" at ");
    } finally {
      stderr.mockRestore();
      await close().catch(() => {});
    }
  },
);

describe("one door into a signed-in session", () => {
  let t: Awaited<ReturnType<typeof testApp>>;
  beforeEach(async () => {
    t = await testApp();
  });
  afterEach(() => t.close());

  const signedInCount = async () =>
    (await t.db.select().from(t.tables.sessions)).filter((session) => session.state === "signed_in").length;

  test("no route but the second step, a trusted browser's password step and a passkey alone makes a signed-in session", async () => {
    // A user with 2FA on, a passkey and a browser they trusted; others register anew to be enrolling.
    const owner = new Browser(t.app);
    const { key, recoveryCodes } = await enroll(owner, t, "walker");
    const walkersPasskey = new SoftAuthenticator({ origin: ORIGIN });
    await owner.get("/account");
    const creation = (await (await owner.post("/account/credentials/options", { kind: "passkey" })).json()) as Record<
      string,
      unknown
    >;
    const added = await owner.post("/account/credentials", {
      kind: "passkey",
      name: "Walker's passkey",
      credential: await walkersPasskey.register(creation),
      otp: codeAt(key, t.clock.now),
    });
    expect(added.status).toBe(303);
    const trusting = new Browser(t.app);
    await signInWithPassword(trusting, "walker");
    await trusting.get("/verify-2fa");
    await trusting.postAndFollow("/verify-2fa", { otp: codeAt(key, t.clock.now + 30_000), remember: "on" });
    const trustedCookie = trusting.cookies.get("tfa-trusted") ?? "";
    expect(trustedCookie).not.toBe("");
    let newcomers = 0;

    type Start = { browser: Browser; otp: string; authenticator: SoftAuthenticator };
    /** Each starting point, made anew for each request, with the code and the key that would be right there. */
    const states: Record<string, () => Promise<Start>> = {
      anonymous: async () => {
        const browser = new Browser(t.app);
        await browser.get("/login");
        return { browser, otp: codeAt(key, t.clock.now), authenticator: walkersPasskey };
      },
      "anonymous on a trusted browser": async () => {
        const browser = new Browser(t.app);
        browser.cookies.set("tfa-trusted", trustedCookie);
        await browser.get("/login");
        return { browser, otp: codeAt(key, t.clock.now), authenticator: walkersPasskey };
      },
      "pending, code step": async () => {
        const browser = new Browser(t.app);
        await signInWithPassword(browser, "walker");
        return { browser, otp: codeAt(key, t.clock.now), authenticator: walkersPasskey };
      },
      "pending, enrolling": async () => {
        const browser = new Browser(t.app);
        await register(browser, `newcomer${++newcomers}`);
        const enrollerKey = await readKey(browser);
        return {
          browser,
          otp: codeAt(enrollerKey, t.clock.now),
          authenticator: new SoftAuthenticator({ origin: ORIGIN }),
        };
      },
    };

    /** What the route's own options endpoint hands this browser, answered by its key; "" where it hands nothing. */
    async function webauthnAnswer({ browser, authenticator }: Start, optionsPath: string) {
      const response = await browser.post(optionsPath, { kind: "passkey" });
      if (!response.headers.get("content-type")?.startsWith("application/json")) return "";
      const options = (await response.json()) as Record<string, unknown>;
      return "rp" in options ? authenticator.register(options) : authenticator.authenticate(options);
    }

    const madeSignedIn: string[] = [];
    for (const route of t.app.routes) {
      if (!["GET", "POST"].includes(route.method) || route.path.startsWith("/assets/")) continue;
      const path = route.path.replaceAll(/:\w+/g, "x");
      for (const [name, make] of Object.entries(states)) {
        t.clock.now += 30_000; // a fresh time step: no code below is refused as a replay
        const start = await make();
        const before = await signedInCount();
        // Every field any form takes, each holding what would prove it.
        const fields = {
          username: "walker",
          password: GOOD_PASSWORD,
          confirm: GOOD_PASSWORD,
          current_password: GOOD_PASSWORD,
          new_password: "a brand new password for walker",
          otp: start.otp,
          remember: "on",
          kind: "passkey",
          name: "walked",
          credential: await webauthnAnswer(start, `${path}/options`),
          assertion: await webauthnAnswer(start, "/account/credentials/proof-options"),
        };
        if (route.method === "GET") await start.browser.get(path);
        else await start.browser.post(path, fields);
        if ((await signedInCount()) > before) madeSignedIn.push(`${route.method} ${route.path} from ${name}`);
      }
    }
    expect(madeSignedIn.sort()).toEqual([
      "POST /login from anonymous on a trusted browser",
      "POST /login/passkey from anonymous",
      "POST /login/passkey from anonymous on a trusted browser",
      "POST /setup-2fa/webauthn from pending, enrolling",
      "POST /verify-2fa from pending, code step",
      "POST /verify-2fa from pending, enrolling",
      "POST /verify-2fa/webauthn from pending, code step",
    ]);
    expect(recoveryCodes).toHaveLength(10);
  });

  test("two proofs racing on one pending session, a code and a recovery code, make one session", async () => {
    const owner = new Browser(t.app);
    const { key, recoveryCodes } = await enroll(owner, t, "racer");
    for (let round = 0; round < 5; round++) {
      const pending = new Browser(t.app);
      await signInWithPassword(pending, "racer");
      await pending.get("/verify-2fa");
      const before = await signedInCount();
      const answers = await Promise.all([
        pending.post("/verify-2fa", { otp: codeAt(key, t.clock.now) }),
        pending.post("/verify-2fa", { otp: recoveryCodes[round] ?? "" }),
      ]);
      // One signs in. The other lost: refused as already done when both were read before the
      // winner stepped up, or sent back to sign in when it was read after (its session is gone).
      const outcomes = answers.map((answer) => `${answer.status} ${answer.headers.get("location") ?? ""}`.trim());
      expect(outcomes.filter((outcome) => outcome === "303 /")).toHaveLength(1);
      expect(outcomes.filter((outcome) => outcome === "422" || outcome === "303 /login")).toHaveLength(1);
      expect((await signedInCount()) - before).toBe(1);
      t.clock.now += 30_000;
    }
  });
});

test("the benchmark's host routes exist only when asked for, and the guarded one is guarded", async () => {
  const plain = await testApp();
  expect((await plain.app.handle(new Request(`${ORIGIN}/bench/open`))).status).toBe(404);
  await plain.close();
  const { database, close } = await testDatabase();
  const config = loadConfig({ APP_SECRET: TEST_SECRET }, "production");
  const app = createApp({ database, config, clock: () => Date.now(), guardBenchmark: true });
  expect(await (await app.handle(new Request(`${ORIGIN}/bench/open`))).text()).toBe("Dashboard");
  const guarded = await app.handle(new Request(`${ORIGIN}/bench/guarded`));
  expect(guarded.status).toBe(303);
  expect(guarded.headers.get("location")).toBe("/login");
  await close();
});
