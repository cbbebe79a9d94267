import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { Elysia } from "elysia";
import { codeAt } from "../src/auth/factors/totp";
import { ConfigError, twoFactorAuth } from "../src/index";
import {
  authOptionsOn,
  Browser,
  dom,
  enroll,
  GOOD_PASSWORD,
  noteOf,
  ORIGIN,
  signIn,
  signInWithPassword,
  type TestApp,
  testApp,
  wrongCodeAt,
} from "./helpers";
import { addSecurityKey, credentialsOf, enrollWithPasskey, options, userNamed } from "./webauthn-setup";

const FIVE_MINUTES = 5 * 60_000;

let t: TestApp;
beforeEach(async () => {
  t = await testApp();
});
afterEach(() => t.close());

/** A host app with a sensitive page and form behind `fresh: 300`, beside its home page. */
function hostApp() {
  const saved: string[] = [];
  const app = new Elysia()
    .use(twoFactorAuth(authOptionsOn(t)))
    .get("/", ({ user }) => `Home of ${user.username}`, { signedIn: true })
    .get("/settings/keys", ({ user }) => `Keys of ${user.username}`, { signedIn: { fresh: 300 } })
    .post(
      "/settings/keys",
      ({ user }) => {
        saved.push(user.username);
        return "saved";
      },
      { signedIn: { fresh: 300 } },
    );
  return { app, clock: t.clock, saved };
}

/** A signed-in browser on the host app whose last second factor is `ago` ms old. */
async function signedInSince(host: ReturnType<typeof hostApp>, username: string, ago: number) {
  const browser = new Browser(host.app);
  const { key, recoveryCodes } = await enroll(browser, host, username);
  t.clock.now += ago;
  return { browser, key, recoveryCodes };
}

const confirmFor = (path: string) => `/confirm?return=${encodeURIComponent(path)}`;

describe("signedIn: { fresh } on a host's route", () => {
  test("lets in a session whose second factor is recent; an older one goes to /confirm and comes back after a code", async () => {
    const host = hostApp();
    const { browser, key } = await signedInSince(host, "alice", 60_000);
    const recent = await browser.get("/settings/keys");
    expect(recent.status).toBe(200);
    expect(await recent.text()).toBe("Keys of alice");

    t.clock.now += FIVE_MINUTES;
    const stale = await browser.get("/settings/keys?tab=api");
    expect(stale.status).toBe(303);
    expect(stale.headers.get("location")).toBe(confirmFor("/settings/keys?tab=api"));
    // Signed in all the same: the rest of the app does not ask.
    expect((await browser.get("/")).status).toBe(200);

    const page = await dom(await browser.get(confirmFor("/settings/keys?tab=api")));
    expect(page.querySelector("h1")?.textContent).toBe("Confirm it's you");
    expect(page.querySelector("input[name=return]")?.getAttribute("value")).toBe("/settings/keys?tab=api");
    const confirmed = await browser.post("/confirm", {
      return: "/settings/keys?tab=api",
      otp: codeAt(key, t.clock.now),
    });
    expect(confirmed.status).toBe(303);
    expect(confirmed.headers.get("location")).toBe("/settings/keys?tab=api");
    expect(await (await browser.get("/settings/keys")).text()).toBe("Keys of alice");

    // The session list says when; the log keeps only what a code does, nothing new to say.
    const sessions = (await dom(await browser.get("/account"))).querySelector("#sessions")?.textContent ?? "";
    expect(sessions).toContain(
      `second factor last given ${new Date(t.clock.now).toISOString().slice(0, 16).replace("T", " ")} UTC`,
    );
  });

  test("with htmx, the stop is an HX-Location to /confirm that returns to the page the request came from", async () => {
    const host = hostApp();
    const { browser, key } = await signedInSince(host, "bob", FIVE_MINUTES + 1000);
    const stale = await browser.get("/settings/keys", {
      htmx: true,
      headers: { "hx-current-url": `${ORIGIN}/settings?section=keys` },
    });
    expect(stale.status).toBe(200);
    expect(JSON.parse(stale.headers.get("hx-location") ?? "{}")).toEqual({
      path: confirmFor("/settings?section=keys"),
      target: "#main",
    });
    await browser.get(confirmFor("/settings?section=keys"), { htmx: true });
    const confirmed = await browser.post(
      "/confirm",
      { return: "/settings?section=keys", otp: codeAt(key, t.clock.now) },
      { htmx: true },
    );
    expect(confirmed.headers.get("hx-redirect")).toBe("/settings?section=keys");
  });

  test("an unsafe request is never replayed: it runs not at all, and the person comes back to the page that sent it", async () => {
    const host = hostApp();
    const { browser, key } = await signedInSince(host, "carol", FIVE_MINUTES + 1000);
    const refererOf = async (referer: string | undefined) => {
      const response = await browser.post("/settings/keys", {}, { headers: referer ? { referer } : {} });
      expect(response.status).toBe(303);
      return response.headers.get("location");
    };
    expect(await refererOf(`${ORIGIN}/settings?from=form`)).toBe(confirmFor("/settings?from=form"));
    expect(await refererOf("https://evil.example/settings")).toBe(confirmFor("/"));
    expect(await refererOf(undefined)).toBe(confirmFor("/"));
    expect(host.saved).toEqual([]);

    await browser.get(confirmFor("/settings"));
    await browser.post("/confirm", { return: "/settings", otp: codeAt(key, t.clock.now) });
    expect(await (await browser.post("/settings/keys", {})).text()).toBe("saved");
    expect(host.saved).toEqual(["carol"]);
  });

  test("a cross-site request is refused before any stop, and a pending session goes to its own step first", async () => {
    const host = hostApp();
    const { browser } = await signedInSince(host, "dave", FIVE_MINUTES + 1000);
    const crossSite = await browser.post("/settings/keys", {}, { headers: { origin: "https://evil.example" } });
    expect(crossSite.status).toBe(403);
    const pending = new Browser(host.app);
    await signInWithPassword(pending, "dave");
    expect((await pending.get("/settings/keys")).headers.get("location")).toBe("/verify-2fa");
    const anonymous = new Browser(host.app);
    expect((await anonymous.get("/settings/keys")).headers.get("location")).toBe("/login");
    expect(host.saved).toEqual([]);
  });

  test("the return path is this origin's only: every other address, however written, returns home", async () => {
    const host = hostApp();
    const { browser, key } = await signedInSince(host, "erin", FIVE_MINUTES + 1000);
    const hostile = [
      "//evil.example",
      "//evil.example/path",
      "/\\evil.example",
      "\\\\evil.example",
      "/.//evil.example",
      "/%2e//evil.example",
      "https://evil.example/",
      "http://localhost:3000.evil.example/",
      "javascript:alert(1)",
      "data:text/html,hi",
      " //evil.example",
      "\t//evil.example",
      "//%65vil.example",
      "https:evil.example",
    ];
    for (const value of hostile) {
      const page = await dom(await browser.get(`/confirm?return=${encodeURIComponent(value)}`));
      expect({ value, kept: page.querySelector("input[name=return]")?.getAttribute("value") }).toEqual({
        value,
        kept: "/",
      });
      const answer = await browser.post("/confirm", { return: value, otp: codeAt(key, t.clock.now) });
      expect({ value, location: answer.headers.get("location") }).toEqual({ value, location: "/" });
      t.clock.now += 30_000;
    }
    // A path on this origin with its query and odd characters is kept, escaped in the page.
    const own = `/settings/keys?q="><script>x</script>`;
    const html = await (await browser.get(`/confirm?return=${encodeURIComponent(own)}`)).text();
    expect(html).not.toContain("<script>x");
    const page = await dom(new Response(html));
    expect(page.querySelector("input[name=return]")?.getAttribute("value")).toBe(
      "/settings/keys?q=%22%3E%3Cscript%3Ex%3C/script%3E",
    );
  });

  test("wrong codes at /confirm count in the second step's lockout, and a recovery code works there", async () => {
    const host = hostApp();
    const { browser, key, recoveryCodes } = await signedInSince(host, "frank", FIVE_MINUTES + 1000);
    await browser.get(confirmFor("/settings/keys"));
    const wrong = await browser.post("/confirm", { return: "/settings/keys", otp: wrongCodeAt(key, t.clock.now) });
    expect(wrong.status).toBe(422);
    expect(noteOf(await dom(wrong), "otp")).toContain("That code is not right");
    for (let i = 0; i < 4; i++) {
      await browser.post("/confirm", { return: "/settings/keys", otp: wrongCodeAt(key, t.clock.now) });
    }
    const locked = await browser.post("/confirm", { return: "/settings/keys", otp: codeAt(key, t.clock.now) });
    expect(locked.status).toBe(429);
    expect(locked.headers.get("retry-after")).toBe("60");
    // The same lock holds at the second step of a new sign-in.
    const other = new Browser(host.app);
    await signInWithPassword(other, "frank");
    expect((await other.post("/verify-2fa", { otp: codeAt(key, t.clock.now) })).status).toBe(429);

    t.clock.now += 61_000;
    const recovered = await browser.post("/confirm", { return: "/settings/keys", otp: recoveryCodes[0] ?? "" });
    expect(recovered.headers.get("location")).toBe("/settings/keys");
    expect((await browser.get("/settings/keys")).status).toBe(200);
  });

  test("a sign-in on a trusted browser gave no second factor: a fresh route asks for one", async () => {
    const host = hostApp();
    const { key } = await signedInSince(host, "gina", 0);
    const trusted = new Browser(host.app);
    await signIn(trusted, host, "gina", key, { remember: true });
    await trusted.get("/account");
    expect((await trusted.post("/logout", {})).headers.get("location")).toBe("/login");
    await trusted.get("/login");
    const straightIn = await trusted.postAndFollow("/login", { username: "gina", password: GOOD_PASSWORD });
    expect(straightIn.headers.get("location")).toBe("/");
    expect((await trusted.get("/settings/keys")).headers.get("location")).toBe(confirmFor("/settings/keys"));
  });

  test("a passkey confirms, through the options any sensitive action uses", async () => {
    const host = hostApp();
    const browser = new Browser(host.app);
    const { authenticator } = await enrollWithPasskey(browser, "hank");
    t.clock.now += FIVE_MINUTES + 1000;
    const page = await dom(await browser.get(confirmFor("/settings/keys")));
    expect(page.querySelector("[data-webauthn] form")?.getAttribute("action")).toBe("/confirm");
    expect(page.querySelector("summary")?.textContent).toBe("Lost your key? Use a recovery code");
    const request = await options(browser, "/account/credentials/proof-options");
    const confirmed = await browser.post("/confirm", {
      return: "/settings/keys",
      credential: await authenticator.authenticate(request),
    });
    expect(confirmed.headers.get("location")).toBe("/settings/keys");
    expect((await browser.get("/settings/keys")).status).toBe(200);
  });

  test("a fresh window that is not a number of seconds above 0 stops the start", () => {
    for (const fresh of [0, -5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() =>
        new Elysia().use(twoFactorAuth(authOptionsOn(t))).get("/x", () => "x", { signedIn: { fresh } }),
      ).toThrow(ConfigError);
    }
  });
});

describe("the auth's own sensitive actions", () => {
  test("take a second factor given lately instead of a code; once it is older, they ask again", async () => {
    const browser = new Browser(t.app);
    const { key } = await enroll(browser, t, "ivy");
    const page = await dom(await browser.get("/account"));
    expect(noteOf(page, "regenerate-otp")).toContain("you may leave this empty");
    expect(page.querySelector("#regenerate-otp")?.hasAttribute("required")).toBe(false);
    const made = await browser.post("/account/recovery-codes", { otp: "" }, { htmx: true });
    expect(made.status).toBe(200);
    expect((await dom(made)).querySelectorAll(".code-list code").length).toBe(10);

    t.clock.now += FIVE_MINUTES;
    const stale = await browser.post("/account/recovery-codes", { otp: "" }, { htmx: true });
    expect(stale.status).toBe(422);
    expect(noteOf(await dom(await browser.get("/account")), "regenerate-otp")).not.toContain("leave this empty");
    // A code given for an action counts as a confirmation too.
    await browser.post("/account/recovery-codes", { otp: codeAt(key, t.clock.now) });
    expect((await browser.post("/account/recovery-codes", { otp: "" })).status).toBe(200);
  });

  test("never removing a passkey or security key: that always takes a factor given now", async () => {
    const browser = new Browser(t.app);
    const { key } = await enroll(browser, t, "jack");
    await addSecurityKey(t, browser, key);
    const [credential] = await credentialsOf(t, (await userNamed(t, "jack")).id);
    const page = await dom(await browser.get("/account"));
    // Lately confirmed: adding says the code may stay empty, removing does not.
    expect(noteOf(page, "new-credential-otp")).toContain("you may leave this empty");
    // Removing still has the script ask the key for its answer when no code is typed.
    const removeForm = page.querySelector("#passkeys form[action$='/remove']");
    expect(removeForm?.getAttribute("data-webauthn-proof")).toBe("/account/credentials/proof-options");
    expect(removeForm?.textContent).not.toContain("leave this empty");
    const removal = await browser.post(`/account/credentials/${encodeURIComponent(credential?.id ?? "")}/remove`, {
      otp: "",
    });
    expect(removal.status).toBe(422);
    expect(await credentialsOf(t, (await userNamed(t, "jack")).id)).toHaveLength(1);
  });

  test("deleting the account takes the password and, lately signed in, no code", async () => {
    const browser = new Browser(t.app);
    await enroll(browser, t, "kate");
    await browser.get("/account");
    const deleted = await browser.post("/account/delete", { password: GOOD_PASSWORD, otp: "" });
    expect(deleted.headers.get("location")).toBe("/login?done=deleted");
  });
});
