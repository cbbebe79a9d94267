import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { codeAt } from "../src/auth/factors/totp";
import { createApp } from "../src/demo/app";
import {
  Browser,
  dom,
  GOOD_PASSWORD,
  ORIGIN,
  readKey,
  register,
  registerWithTwoFactor,
  signIn,
  signInWithPassword,
  type TestApp,
  testApp,
} from "./helpers";

let t: TestApp;
beforeEach(async () => {
  t = await testApp();
});
afterEach(() => t.close());

const registration = { username: "mallory", password: GOOD_PASSWORD, confirm: GOOD_PASSWORD };

describe("CSRF", () => {
  test("a form posted from another origin is refused and changes nothing", async () => {
    const browser = new Browser(t.app);
    await browser.get("/register");
    const response = await browser.post("/register", registration, { headers: { origin: "https://evil.example" } });
    expect(response.status).toBe(403);
    expect((await dom(response)).querySelector("h1")?.textContent).toBe("Request refused");
    expect(await t.db.select().from(t.tables.users)).toHaveLength(0);
  });

  test("a nonce cookie the server did not make is replaced, never used", async () => {
    for (const planted of ["chosen.by.an.attacker", "short", `${"x".repeat(43)}.`]) {
      const browser = new Browser(t.app);
      browser.cookies.set("tfa-csrf", planted);
      const page = await browser.get("/login");
      const renewed = page.headers.getSetCookie().find((header) => header.startsWith("tfa-csrf="));
      expect({ planted, renewed: /^tfa-csrf=[\w-]{43};/.test(renewed ?? "") }).toEqual({ planted, renewed: true });
      expect(browser.cookies.get("tfa-csrf")).not.toBe(planted);
      // The form drawn for the new nonce works.
      const signIn = await browser.post("/login", { username: "nobody", password: "wrong password" });
      expect(signIn.status).toBe(422);
    }
  });

  test("a cross-site Sec-Fetch-Site is refused even without Origin", async () => {
    const browser = new Browser(t.app);
    await browser.get("/register");
    const response = await browser.post("/register", registration, {
      headers: { origin: "", "sec-fetch-site": "cross-site" },
    });
    expect(response.status).toBe(403);
  });

  test("a form without the token, or with a wrong or foreign one, is refused", async () => {
    const victim = new Browser(t.app);
    await victim.get("/register");
    const attacker = new Browser(t.app);
    await attacker.get("/register");

    expect((await victim.post("/register", registration, { csrf: false })).status).toBe(403);
    expect((await victim.post("/register", { ...registration, csrf: "forged" }, { csrf: false })).status).toBe(403);
    // The attacker's own valid token is bound to the attacker's cookie, not the victim's.
    const foreign = await victim.post("/register", { ...registration, csrf: attacker.csrfToken }, { csrf: false });
    expect(foreign.status).toBe(403);
    expect(await t.db.select().from(t.tables.users)).toHaveLength(0);
  });

  test("a script may carry the form's token in the X-CSRF-Token header instead", async () => {
    const browser = new Browser(t.app);
    await browser.get("/register");
    const response = await browser.post("/register", registration, {
      csrf: false,
      htmx: true,
      headers: { "x-csrf-token": browser.csrfToken },
    });
    expect(response.headers.get("hx-location")).toContain("/setup-2fa");
  });

  test("a token is bound to its session: another session's (nonce, token) pair is refused", async () => {
    const victim = new Browser(t.app);
    await registerWithTwoFactor(victim, t, "vera");
    const attacker = new Browser(t.app);
    await registerWithTwoFactor(attacker, t, "abel");
    // The attacker plants their own nonce cookie and sends their own valid token, with the victim's session.
    const forged = new Browser(t.app);
    forged.cookies = new Map(victim.cookies);
    forged.cookies.set("tfa-csrf", attacker.cookies.get("tfa-csrf") ?? "");
    forged.csrfToken = attacker.csrfToken;
    expect((await forged.post("/account/sessions/revoke-others", {})).status).toBe(403);
    expect((await forged.post("/logout", {})).status).toBe(403);
    expect((await victim.get("/")).status).toBe(200);
  });

  test("the nonce is renewed at every step up and at sign-out, and an older token is refused", async () => {
    const browser = new Browser(t.app);
    await browser.get("/register");
    const nonces = [browser.cookies.get("tfa-csrf")];
    const anonymousToken = browser.csrfToken;
    await register(browser, "rhea");
    nonces.push(browser.cookies.get("tfa-csrf"));
    const key = await readKey(browser);
    await browser.get("/verify-2fa");
    const pendingToken = browser.csrfToken;
    await browser.post("/verify-2fa", { otp: codeAt(key, t.clock.now) });
    nonces.push(browser.cookies.get("tfa-csrf"));
    await browser.get("/");
    const signedInToken = browser.csrfToken;
    await browser.post("/logout", {});
    nonces.push(browser.cookies.get("tfa-csrf"));
    expect(new Set(nonces).size).toBe(4);
    expect(new Set([anonymousToken, pendingToken, signedInToken]).size).toBe(3);

    // A token from before the last step up does not work after it.
    t.clock.now += 30_000;
    await signInWithPassword(browser, "rhea");
    const stale = await browser.post(
      "/verify-2fa",
      { otp: codeAt(key, t.clock.now), csrf: pendingToken },
      { csrf: false },
    );
    expect(stale.status).toBe(403);
  });

  test("a form posted after its session expired sends the person to sign in, not to a 403", async () => {
    const browser = new Browser(t.app);
    await registerWithTwoFactor(browser, t, "ines");
    await browser.get("/account");
    t.clock.now += 8 * 24 * 60 * 60_000; // past the 7 idle days
    const late = await browser.post("/account/sessions/revoke-others", {});
    expect(late.status).toBe(303);
    expect(late.headers.get("location")).toBe("/login");
  });

  test("signing out of a session that expired meanwhile signs out, not a 403", async () => {
    const browser = new Browser(t.app);
    await registerWithTwoFactor(browser, t, "iris");
    t.clock.now += 8 * 24 * 60 * 60_000; // past the 7 idle days, with the home page's sign-out button still on screen
    const late = await browser.post("/logout", {});
    expect(late.status).toBe(303);
    expect(late.headers.get("location")).toBe("/login");
  });

  test("every unsafe route refuses a form without the token, at whatever step it is posted", async () => {
    const anonymous = new Browser(t.app);
    const pending = new Browser(t.app);
    await register(pending, "paul");
    const signedIn = new Browser(t.app);
    await registerWithTwoFactor(signedIn, t, "sofia");
    const verifying = new Browser(t.app);
    await signInWithPassword(verifying, "sofia");
    // Signed in, with the account's password disowned: at the step of choosing a new one.
    const choosing = new Browser(t.app);
    await registerWithTwoFactor(choosing, t, "nina");
    await t.db
      .update(t.tables.users)
      .set({ newPasswordRequiredAt: t.clock.now })
      .where(eq(t.tables.users.usernameKey, "nina"));
    const unsafe = t.app.routes.filter((route) => !["GET", "HEAD", "OPTIONS"].includes(route.method));
    expect(unsafe.length).toBeGreaterThan(10);
    for (const route of unsafe) {
      const path = route.path.replaceAll(/:\w+/g, "x");
      const statuses = [];
      for (const browser of [anonymous, pending, verifying, choosing, signedIn]) {
        statuses.push(
          (
            await browser.request(route.method, path, {
              body: "",
              headers: { origin: ORIGIN, "content-type": "application/x-www-form-urlencoded" },
            })
          ).status,
        );
      }
      // Sent on to its step (changing nothing) where it is not served, refused where it is.
      expect({ path, refusedSomewhere: statuses.includes(403) }).toEqual({ path, refusedSomewhere: true });
      for (const status of statuses) expect({ path, status }).toEqual({ path, status: status === 303 ? 303 : 403 });
    }
  });

  test("sign-out needs the token too, so another site cannot sign you out", async () => {
    const browser = new Browser(t.app);
    await registerWithTwoFactor(browser, t, "nina");
    expect((await browser.post("/logout", {}, { csrf: false })).status).toBe(403);
    expect((await browser.get("/")).status).toBe(200);
  });
});

describe("headers", () => {
  test("pages, fragments, errors and static files carry the security headers", async () => {
    const browser = new Browser(t.app);
    const responses = [
      await browser.get("/login"),
      await browser.get("/login", { htmx: true }),
      await browser.get("/no-such-page"),
      await browser.get("/assets/htmx.min.js"),
      await browser.post("/login", { username: "x", password: "y" }, { headers: { origin: "https://evil.example" } }),
    ];
    for (const response of responses) {
      const csp = response.headers.get("content-security-policy") ?? "";
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("style-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain("unsafe-inline");
      expect(csp).not.toContain("unsafe-eval");
      expect(response.headers.get("x-content-type-options")).toBe("nosniff");
      expect(response.headers.get("referrer-policy")).toBe("same-origin");
      expect(response.headers.get("x-permitted-cross-domain-policies")).toBe("none");
      const permissions = (response.headers.get("permissions-policy") ?? "").split(", ");
      for (const unused of ["camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()"]) {
        expect(permissions).toContain(unused);
      }
      // Passkeys need WebAuthn on this origin.
      expect(permissions).toContain("publickey-credentials-get=(self)");
      expect(permissions).toContain("publickey-credentials-create=(self)");
      expect(response.headers.get("server")).toBeNull();
      expect(response.headers.get("clear-site-data")).toBeNull();
    }
  });

  test("under https: HSTS, and the CSP upgrades any http subresource; over http neither", async () => {
    const https = await testApp({ APP_ORIGIN: "https://auth.example.com" });
    try {
      const secure = await new Browser(https.app, "https://auth.example.com").get("/login");
      expect(secure.headers.get("content-security-policy")).toEndWith("; upgrade-insecure-requests");
      expect(secure.headers.get("strict-transport-security")).toBe("max-age=31536000; includeSubDomains");
    } finally {
      await https.close();
    }
    const plain = await new Browser(t.app).get("/login");
    expect(plain.headers.get("content-security-policy")).not.toContain("upgrade-insecure-requests");
    expect(plain.headers.get("strict-transport-security")).toBeNull();
  });

  test("signing out clears the site's storage and cookies, but keeps a trusted browser's cookie", async () => {
    const browser = new Browser(t.app);
    const key = await registerWithTwoFactor(browser, t, "sara");
    const signedOut = await browser.post("/logout", {});
    expect(signedOut.headers.get("clear-site-data")).toBe('"cookies", "storage"');

    await signIn(browser, t, "sara", key, { remember: true });
    const keptTrust = await browser.post("/logout", {});
    expect(keptTrust.headers.get("clear-site-data")).toBe('"storage"');
    // That browser is still trusted: the password alone signs in.
    expect((await signInWithPassword(browser, "sara")).headers.get("location")).toBe("/");
  });

  test("pages are never cached and vary on HX-Request", async () => {
    const browser = new Browser(t.app);
    await register(browser, "olga");
    const setup = await browser.get("/setup-2fa");
    expect(setup.headers.get("cache-control")).toBe("no-store");
    expect(setup.headers.get("vary")).toContain("HX-Request");
  });

  test("htmx is configured for the CSP through a meta tag and served from our origin", async () => {
    const page = await dom(await new Browser(t.app).get("/login"));
    const config = JSON.parse(page.querySelector("meta[name=htmx-config]")?.getAttribute("content") ?? "{}");
    expect(config).toMatchObject({ includeIndicatorStyles: false, allowEval: false, allowScriptTags: false });
    expect(config.historyCacheSize).toBe(0); // no copy of the setup page, with its key, in localStorage
    expect(config.responseHandling).toContainEqual({ code: "4..", swap: true, error: false });
    for (const script of page.querySelectorAll("script")) {
      expect(script.getAttribute("src")).toStartWith("/assets/");
      expect(script.textContent).toBe("");
    }
    expect(page.querySelectorAll("[style]").length).toBe(0);
  });

  test("static files have their types, and a repeat visit is a 304", async () => {
    const browser = new Browser(t.app);
    const htmx = await browser.get("/assets/htmx.min.js");
    expect(htmx.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(await htmx.text()).toContain("htmx");
    const css = await browser.get("/assets/pico.min.css");
    expect(css.headers.get("content-type")).toBe("text/css; charset=utf-8");
    const again = await browser.get("/assets/pico.min.css", {
      headers: { "if-none-match": css.headers.get("etag") ?? "" },
    });
    expect(again.status).toBe(304);
  });
});

describe("cookies", () => {
  test("a session cookie sent percent-escaped, as Elysia's cookie jar once wrote them, still signs in", async () => {
    const browser = new Browser(t.app);
    await registerWithTwoFactor(browser, t, "olga");
    const sent = browser.cookies.get("tfa-session") ?? "";
    const escaped = sent.replace(/[+/=.]/g, (symbol) => `%${symbol.charCodeAt(0).toString(16).toUpperCase()}`);
    expect(escaped).toContain("%");
    browser.cookies.set("tfa-session", escaped);
    const home = await browser.get("/");
    expect(home.status).toBe(200);
    expect((await dom(home)).querySelector("main")?.textContent).toContain("olga");
  });

  test("over http: HttpOnly, SameSite=Lax, Path=/, signed", async () => {
    const browser = new Browser(t.app);
    await browser.get("/register");
    const response = await browser.post("/register", registration);
    const session = response.headers.getSetCookie().find((header) => header.startsWith("tfa-session="));
    expect(session).toBeDefined();
    expect(session).toContain("HttpOnly");
    expect(session).toContain("SameSite=Lax");
    expect(session).toContain("Path=/");
    expect(session).not.toContain("Domain=");
    expect(decodeURIComponent(session?.split(";")[0] ?? "")).toMatch(/^tfa-session=[\w-]{43}\.[\w+/=-]+$/);
  });

  test("a first visit's nonce cookie is the line Bun.Cookie writes, with every flag, over http and https", async () => {
    const https = await testApp({ APP_ORIGIN: "https://auth.example.com" });
    const visits = [
      { app: t.app, origin: ORIGIN, name: "tfa-csrf", secure: false },
      { app: https.app, origin: "https://auth.example.com", name: "__Host-tfa-csrf", secure: true },
    ];
    for (const { app, origin, name, secure } of visits) {
      const page = await new Browser(app, origin).get("/login");
      const line = page.headers.getSetCookie().find((header) => header.startsWith(`${name}=`)) ?? "";
      const nonce = line.slice(name.length + 1).split(";")[0] ?? "";
      expect(nonce).toMatch(/^[\w-]{43}$/);
      const flags = { path: "/", httpOnly: true, sameSite: "lax", secure } as const;
      expect(line).toBe(new Bun.Cookie(name, nonce, flags).serialize());
      expect(line).not.toMatch(/Expires|Max-Age|Domain/i);
    }
    await https.close();
  });

  test("under an https APP_ORIGIN: Secure and the __Host- prefix", async () => {
    const https = await testApp({ APP_ORIGIN: "https://auth.example.com" });
    const browser = new Browser(https.app, "https://auth.example.com");
    const page = await browser.get("/register");
    const csrf = page.headers.getSetCookie().find((header) => header.startsWith("__Host-tfa-csrf="));
    expect(csrf).toContain("Secure");
    const response = await browser.post("/register", registration);
    const session = response.headers.getSetCookie().find((header) => header.startsWith("__Host-tfa-session="));
    expect(session).toContain("Secure");
    expect(session).toContain("HttpOnly");
    expect(session).toContain("Path=/");
    expect(response.headers.get("strict-transport-security")).toContain("max-age=");
    await https.close();
  });

  test("a forged signature is refused by an instance that has never seen the session's genuine one", async () => {
    const browser = new Browser(t.app);
    await registerWithTwoFactor(browser, t, "petra");
    const [token] = (browser.cookies.get("tfa-session") ?? "").split(".");
    // Another instance on the same database and secret, which has read none of petra's cookies.
    const other = new Browser(createApp({ database: t.database, config: t.config, clock: () => t.clock.now }));
    other.cookies.set("tfa-session", `${token}.${"A".repeat(43)}`);
    const response = await other.get("/");
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/login");
    other.cookies.set("tfa-session", browser.cookies.get("tfa-session") ?? "");
    expect((await other.get("/")).status).toBe(200);
  });

  test("a forged or stale signature sends the person to /login and clears the cookies", async () => {
    const browser = new Browser(t.app);
    await registerWithTwoFactor(browser, t, "pete");
    const [token] = (browser.cookies.get("tfa-session") ?? "").split(".");
    browser.cookies.set("tfa-session", `${token}.${"A".repeat(43)}`);
    const response = await browser.get("/");
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/login");
    expect(response.headers.getSetCookie().some((header) => /^tfa-session=;.*Max-Age=0/.test(header))).toBe(true);
    expect((await browser.get("/login")).status).toBe(200);
  });

  test("a session cookie sent twice counts as the first one sent, as browsers send the most specific first", async () => {
    const owner = new Browser(t.app);
    await registerWithTwoFactor(owner, t, "tess");
    const genuine = owner.cookies.get("tfa-session") ?? "";
    const forged = `${genuine.split(".")[0]}.${"A".repeat(43)}`;
    const cookieHeader = (first: string, second: string) => ({ cookie: `tfa-session=${first}; tfa-session=${second}` });
    const accepted = await t.app.handle(new Request(`${ORIGIN}/`, { headers: cookieHeader(genuine, forged) }));
    expect(accepted.status).toBe(200);
    const refused = await t.app.handle(new Request(`${ORIGIN}/`, { headers: cookieHeader(forged, genuine) }));
    expect(refused.status).toBe(303);
    expect(refused.headers.get("location")).toBe("/login");
  });

  test("a session cookie without its signature, the bare token, sends the person to /login", async () => {
    const browser = new Browser(t.app);
    await registerWithTwoFactor(browser, t, "bart");
    const [token] = decodeURIComponent(browser.cookies.get("tfa-session") ?? "").split(".");
    browser.cookies.set("tfa-session", token ?? "");
    const response = await browser.get("/");
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/login");
  });

  test("a cookie signed under another APP_SECRET is not accepted", async () => {
    const browser = new Browser(t.app);
    await registerWithTwoFactor(browser, t, "quinn");
    const rotated = await testApp({ APP_SECRET: "another-secret-another-secret-another-secret" });
    const moved = new Browser(rotated.app);
    moved.cookies = new Map(browser.cookies);
    const response = await moved.get("/");
    expect(response.headers.get("location")).toBe("/login");
    await rotated.close();
  });
});

describe("escaping", () => {
  const hostile = `"><script>alert(1)</script><img src=x onerror=alert(2)>`;

  /** Nothing the attacker typed became markup: no new elements, and the text survives as text. */
  async function expectInert(response: Response) {
    const page = await dom(response);
    expect(page.querySelectorAll("script:not([src]), img[src=x], [onerror]").length).toBe(0);
    expect(page.querySelector("input[name=username]")?.getAttribute("value")).toBe(hostile);
  }

  test("a hostile username typed into the register form comes back inert", async () => {
    const browser = new Browser(t.app);
    await browser.get("/register");
    const response = await browser.post("/register", {
      username: hostile,
      password: GOOD_PASSWORD,
      confirm: GOOD_PASSWORD,
    });
    expect(response.status).toBe(422);
    await expectInert(response);
  });

  test("a hostile username on the login form comes back inert, as a fragment too", async () => {
    const browser = new Browser(t.app);
    await browser.get("/login");
    await expectInert(await browser.post("/login", { username: hostile, password: GOOD_PASSWORD }));
    await expectInert(await browser.post("/login", { username: hostile, password: GOOD_PASSWORD }, { htmx: true }));
  });

  test("whatever was typed comes back exactly as typed, escaped in the markup", async () => {
    const typed = `&amp; &lt;b&gt; <script>alert(1)</script> it's "quoted" & more`;
    const browser = new Browser(t.app);
    await browser.get("/register");
    for (const htmx of [false, true]) {
      const response = await browser.post("/register", { username: typed, password: "short", confirm: "" }, { htmx });
      expect(response.status).toBe(422);
      const html = await response.clone().text();
      expect(html).not.toContain("<script>alert");
      expect(html).not.toContain("&amp; &lt;b&gt;"); // the entities typed were themselves escaped
      expect(html).toContain(
        `value="&amp;amp; &amp;lt;b&amp;gt; &lt;script&gt;alert(1)&lt;/script&gt; it&#x27;s &quot;quoted&quot; &amp; more"`,
      );
      expect((await dom(response)).querySelector("input[name=username]")?.getAttribute("value")).toBe(typed);
    }
  });

  test("APP_NAME is escaped wherever it is shown", async () => {
    const named = await testApp({ APP_NAME: "<b>Evil</b> & Co" });
    const browser = new Browser(named.app);
    await register(browser, "rita");
    const response = await browser.get("/setup-2fa");
    const html = await response.clone().text();
    expect(html).toContain("<title>Link your authenticator app · &lt;b&gt;Evil&lt;/b&gt; &amp; Co</title>");
    const page = await dom(response);
    expect(page.querySelectorAll("b").length).toBe(0);
    expect(page.querySelector(".brand")?.textContent).toBe("<b>Evil</b> & Co");
    expect(page.querySelector(".qr img")?.getAttribute("alt")).toStartWith("QR code that adds <b>Evil</b> & Co (rita)");
    expect(html).not.toContain("<b>");
    await named.close();
  });
});

test("ORIGIN in the helpers is the default APP_ORIGIN", () => {
  expect(t.config.appOrigin).toBe(ORIGIN);
});

describe("methods and the step gate", () => {
  test.each([
    ["PUT", "/login", "GET, HEAD, POST"],
    ["DELETE", "/account/sessions/abc/revoke", "POST"],
    ["POST", "/healthz", "GET, HEAD, OPTIONS"],
    ["PATCH", "/", "GET, HEAD"],
    ["OPTIONS", "/verify-2fa", "GET, HEAD, POST"],
  ])("%s %s is 405 with Allow: %s", async (method, path, allow) => {
    for (const htmx of [false, true]) {
      const response = await new Browser(t.app).request(method, path, { htmx });
      expect(response.status).toBe(405);
      expect(response.headers.get("allow")).toBe(allow);
      expect((await dom(response)).querySelector("h1")?.textContent).toBe("Method not allowed");
    }
  });

  test("a path no route serves is still 404, whatever the method", async () => {
    for (const method of ["GET", "POST", "PUT"]) {
      expect((await new Browser(t.app).request(method, "/account/nothing-here")).status).toBe(404);
    }
  });

  test("the step gate runs before the fields are read: a request at the wrong step is sent on, whatever it holds", async () => {
    const anonymous = new Browser(t.app);
    await anonymous.get("/login");
    const forms: Record<string, string>[] = [{}, { current_password: "x", new_password: "y", confirm: "y" }];
    for (const fields of forms) {
      const response = await anonymous.post("/account/password", fields);
      expect({ status: response.status, location: response.headers.get("location") }).toEqual({
        status: 303,
        location: "/login",
      });
    }
    const pending = new Browser(t.app);
    await register(pending, "gabe");
    await pending.get("/setup-2fa");
    const missing = await pending.post("/account/password", { unexpected: "field" });
    expect(missing.headers.get("location")).toBe("/setup-2fa");
    const signedInAtLogin = new Browser(t.app);
    await registerWithTwoFactor(signedInAtLogin, t, "hugo");
    const atLogin = await signedInAtLogin.post("/login", {}, { htmx: true });
    expect(atLogin.headers.get("hx-redirect")).toBe("/");
    expect(atLogin.headers.get("hx-location")).toBeNull();
  });
});
