import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { codeAt } from "../src/auth/factors/totp";
import { adminTasks } from "../src/auth/flows/admin";
import { keylessStores } from "../src/auth/stores";
import { SoftAuthenticator } from "./authenticator";
import {
  Browser,
  dom,
  enroll,
  GOOD_PASSWORD,
  ORIGIN,
  readKey,
  register,
  registerWithTwoFactor,
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

type Json = Record<string, unknown>;
const options = async (browser: Browser, path: string, fields: Record<string, string> = {}) => {
  const response = await browser.post(path, fields);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toStartWith("application/json");
  expect(response.headers.get("cache-control")).toBe("no-store");
  return (await response.json()) as Json;
};

/** Registers and turns 2FA on with a passkey alone, as /setup-2fa offers; the browser ends up signed in. */
async function enrollWithPasskey(browser: Browser, username: string, authenticator = passkey()) {
  await register(browser, username);
  await browser.get("/setup-2fa");
  const creation = await options(browser, "/setup-2fa/webauthn/options");
  const response = await browser.post("/setup-2fa/webauthn", { credential: await authenticator.register(creation) });
  expect(response.status).toBe(200);
  const recoveryCodes = [...(await dom(response)).querySelectorAll(".code-list code")].map((code) => code.textContent);
  expect(recoveryCodes.length).toBe(10);
  await browser.get("/");
  return { authenticator, recoveryCodes };
}

const passkey = () => new SoftAuthenticator({ origin: ORIGIN });
const securityKey = () => new SoftAuthenticator({ origin: ORIGIN, userVerified: false, residentKey: false });

/** Passwordless: the login page's options, answered by `authenticator` with `overrides`. */
async function passkeySignIn(browser: Browser, authenticator: SoftAuthenticator, overrides = {}) {
  await browser.get("/login");
  const request = await options(browser, "/login/passkey/options");
  return browser.post("/login/passkey", { credential: await authenticator.authenticate(request, overrides) });
}

async function signedInPage(browser: Browser) {
  return (await browser.get("/")).status === 200;
}

const credentialsOf = (userId: number) =>
  t.db.select().from(t.tables.webauthnCredentials).where(eq(t.tables.webauthnCredentials.userId, userId));
const userNamed = async (username: string) => {
  const [user] = await t.db.select().from(t.tables.users).where(eq(t.tables.users.usernameKey, username));
  if (!user) throw new Error(`no user ${username}`);
  return user;
};

/** Adds a security key on /account with a code from the app as the proof. */
async function addSecurityKey(browser: Browser, key: string, name = "Blue key", authenticator = securityKey()) {
  await browser.get("/account");
  const creation = await options(browser, "/account/credentials/options", { kind: "security_key" });
  const response = await browser.post(
    "/account/credentials",
    { kind: "security_key", name, credential: await authenticator.register(creation), otp: codeAt(key, t.clock.now) },
    { htmx: true },
  );
  t.clock.now += 30_000;
  return { response, authenticator };
}

describe("enrolling with a passkey instead of an app", () => {
  test("the options pin the algorithms, the RP ID is APP_ORIGIN's host, and the user handle is 32 random bytes", async () => {
    const browser = new Browser(t.app);
    await register(browser, "pia");
    const page = await dom(await browser.get("/setup-2fa"));
    // Offered, but hidden until the script finds WebAuthn; the QR code stays the default.
    const button = [...page.querySelectorAll("button")].find(
      (element) => element.textContent?.trim() === "Use a passkey or security key instead",
    );
    expect(button?.closest("[data-webauthn]")?.hasAttribute("hidden")).toBe(true);
    expect(page.querySelector("img[alt*='QR']")).not.toBeNull();

    const creation = await options(browser, "/setup-2fa/webauthn/options", {});
    expect((creation.rp as Json).id).toBe("localhost");
    expect((creation.pubKeyCredParams as { alg: number }[]).map((param) => param.alg)).toEqual([-7, -8, -257]);
    const handle = Buffer.from((creation.user as Json).id as string, "base64url");
    expect(handle.length).toBe(32);
    const user = await userNamed("pia");
    expect(handle.toString()).not.toContain("pia");
    expect(handle.toString("base64url")).toBe(user.webauthnUserId ?? "");
    expect(creation.attestation).toBe("none");
  });

  test("a passkey turns 2FA on and shows the recovery codes, and the session is signed in", async () => {
    const browser = new Browser(t.app);
    await enrollWithPasskey(browser, "paula");
    expect(await signedInPage(browser)).toBe(true);
    const user = await userNamed("paula");
    expect(user.twoFactorEnabledAt).not.toBeNull();
    expect(user.totpEnabledAt).toBeNull();
    const [stored] = await credentialsOf(user.id);
    expect(stored?.kind).toBe("passkey");
    // Only public data: the columns hold no private key, which never leaves the authenticator.
    expect(Object.keys(stored ?? {}).sort()).toEqual(
      [
        "aaguid",
        "backedUp",
        "backupEligible",
        "counter",
        "createdAt",
        "id",
        "kind",
        "lastUsedAt",
        "name",
        "publicKey",
        "transports",
        "userId",
      ].sort(),
    );
  });

  test("a registration for another origin or another RP ID is refused, and 2FA stays off", async () => {
    for (const [username, overrides] of [
      ["olga", { origin: "https://evil.example" }],
      ["omar", { rpId: "evil.example" }],
    ] as const) {
      const browser = new Browser(t.app);
      await register(browser, username);
      await browser.get("/setup-2fa");
      const creation = await options(browser, "/setup-2fa/webauthn/options");
      const response = await browser.post("/setup-2fa/webauthn", {
        credential: await passkey().register(creation, overrides),
      });
      expect(response.status).toBe(422);
      expect(await response.text()).toContain("could not be verified");
      expect((await userNamed(username)).twoFactorEnabledAt).toBeNull();
    }
  });

  test("a malformed answer is a 422 page, never a 500", async () => {
    const browser = new Browser(t.app);
    await register(browser, "mara");
    await browser.get("/setup-2fa");
    for (const credential of [
      "",
      "{",
      "null",
      '{"id":1}',
      JSON.stringify({ id: "x", type: "public-key", response: {} }),
    ]) {
      const response = await browser.post("/setup-2fa/webauthn", { credential });
      expect(response.status).toBe(422);
    }
  });
});

describe("passwordless sign-in", () => {
  test("a passkey alone signs in, and the log says so", async () => {
    const browser = new Browser(t.app);
    const { authenticator } = await enrollWithPasskey(browser, "lena");
    await browser.postAndFollow("/logout", {});

    const fresh = new Browser(t.app);
    await fresh.get("/login");
    const request = await options(fresh, "/login/passkey/options");
    expect(request.userVerification).toBe("required");
    expect(request.allowCredentials ?? []).toEqual([]);
    const response = await fresh.post("/login/passkey", { credential: await authenticator.authenticate(request) });
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/");
    expect(await signedInPage(fresh)).toBe(true);
    const log = await (await fresh.get("/account")).text();
    expect(log).toContain("Signed in with a passkey alone, no password");
    expect(log).toContain("with a passkey alone, no password"); // the session list too
  });

  test("without the user-verified flag, a passkey never signs in on its own", async () => {
    const browser = new Browser(t.app);
    const { authenticator } = await enrollWithPasskey(browser, "uma");
    const fresh = new Browser(t.app);
    const response = await passkeySignIn(fresh, authenticator, { userVerified: false });
    expect(response.status).toBe(422);
    expect(await response.text()).toContain("did not check that it is you");
    expect(await signedInPage(fresh)).toBe(false);
  });

  test("a replayed answer, an expired challenge, another origin and another RP ID are refused", async () => {
    const owner = new Browser(t.app);
    const { authenticator } = await enrollWithPasskey(owner, "rhea");

    const replayer = new Browser(t.app);
    await replayer.get("/login");
    const request = await options(replayer, "/login/passkey/options");
    const answer = await authenticator.authenticate(request);
    expect((await replayer.post("/login/passkey", { credential: answer })).status).toBe(303);
    await replayer.get("/");
    expect((await replayer.postAndFollow("/logout", {})).status).toBe(303);
    await replayer.get("/login");
    const replayed = await replayer.post("/login/passkey", { credential: answer });
    expect(replayed.status).toBe(422);
    expect(await replayed.text()).toContain("expired or was already answered");

    const late = new Browser(t.app);
    await late.get("/login");
    const stale = await options(late, "/login/passkey/options");
    t.clock.now += 5 * 60_000 + 1000;
    expect((await late.post("/login/passkey", { credential: await authenticator.authenticate(stale) })).status).toBe(
      422,
    );

    for (const overrides of [{ origin: "https://evil.example" }, { rpId: "evil.example" }]) {
      const phished = new Browser(t.app);
      const response = await passkeySignIn(phished, authenticator, overrides);
      expect(response.status).toBe(422);
      expect(await signedInPage(phished)).toBe(false);
    }
  });

  test("a challenge handed to one browser is worthless in another", async () => {
    const owner = new Browser(t.app);
    const { authenticator } = await enrollWithPasskey(owner, "bea");
    const asked = new Browser(t.app);
    await asked.get("/login");
    const request = await options(asked, "/login/passkey/options");
    const other = new Browser(t.app);
    await other.get("/login");
    const response = await other.post("/login/passkey", { credential: await authenticator.authenticate(request) });
    expect(response.status).toBe(422);
    expect(await signedInPage(other)).toBe(false);
  });

  test("a counter that does not move forward is refused; a synced passkey's 0 keeps working", async () => {
    const owner = new Browser(t.app);
    const { authenticator } = await enrollWithPasskey(owner, "carl");
    expect((await passkeySignIn(new Browser(t.app), authenticator)).status).toBe(303); // counter 1
    expect((await passkeySignIn(new Browser(t.app), authenticator)).status).toBe(303); // counter 2
    const cloned = await passkeySignIn(new Browser(t.app), authenticator, { counter: 2 });
    expect(cloned.status).toBe(422);
    expect(await cloned.text()).toContain("signature counter went backwards");

    const synced = new SoftAuthenticator({ origin: ORIGIN, synced: true });
    await enrollWithPasskey(new Browser(t.app), "sara", synced);
    for (let i = 0; i < 3; i++) expect((await passkeySignIn(new Browser(t.app), synced)).status).toBe(303);
    const account = await (await owner.get("/account")).text();
    expect(account).toContain("Bound to one device");
    const syncedOwner = new Browser(t.app);
    await passkeySignIn(syncedOwner, synced);
    expect(await (await syncedOwner.get("/account")).text()).toContain("Synced to your other devices");
  });
});

describe("the second step with a passkey or security key", () => {
  test("a security key without user verification completes the second step after the password", async () => {
    const browser = new Browser(t.app);
    const key = await registerWithTwoFactor(browser, t, "sven");
    const { response, authenticator } = await addSecurityKey(browser, key);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("Security key “Blue key” added.");
    await browser.postAndFollow("/logout", {});

    await signInWithPassword(browser, "sven");
    const page = await dom(await browser.get("/verify-2fa"));
    const names = [...page.querySelectorAll("button")].map((button) => button.textContent?.trim());
    expect(names).toContain("Use your passkey or security key");
    expect(page.querySelector("input[name=otp]")).not.toBeNull(); // the app is linked too
    const request = await options(browser, "/verify-2fa/webauthn/options");
    expect((request.allowCredentials as { id: string }[]).map((credential) => credential.id)).toEqual(
      (await credentialsOf((await userNamed("sven")).id)).map((credential) => credential.id),
    );
    const signedIn = await browser.post("/verify-2fa/webauthn", {
      credential: await authenticator.authenticate(request),
      remember: "on",
    });
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.get("location")).toBe("/");
    expect(browser.cookies.has("tfa-trusted")).toBe(true);
    expect(await (await browser.get("/account")).text()).toContain("Signed in with a security key");
  });

  test("a security key's answer alone does not sign in without the password", async () => {
    const browser = new Browser(t.app);
    const key = await registerWithTwoFactor(browser, t, "tess");
    const { authenticator } = await addSecurityKey(browser, key);
    const response = await passkeySignIn(new Browser(t.app), authenticator, { userVerified: false });
    expect(response.status).toBe(422);
  });

  test("another user's credential is refused at the second step, and counts against the throttle", async () => {
    const victim = new Browser(t.app);
    const attackerKey = new SoftAuthenticator({ origin: ORIGIN });
    await enrollWithPasskey(new Browser(t.app), "mallory", attackerKey);
    await enrollWithPasskey(victim, "victor");
    await victim.postAndFollow("/logout", {});
    await signInWithPassword(victim, "victor");
    await victim.get("/verify-2fa");
    for (let attempt = 1; attempt <= 5; attempt++) {
      const request = await options(victim, "/verify-2fa/webauthn/options");
      const response = await victim.post("/verify-2fa/webauthn", {
        credential: await attackerKey.authenticate(request),
      });
      expect(response.status).toBe(attempt < 5 ? 422 : 429);
      // The answer a forged signature gets: nothing says whose the credential is.
      if (attempt === 1) expect(await response.text()).toContain("could not be verified");
    }
    expect(await signedInPage(victim)).toBe(false);
  });

  test("after a recovery code, an account with only passkeys is offered a new key, not an app reset", async () => {
    const browser = new Browser(t.app);
    const { recoveryCodes } = await enrollWithPasskey(browser, "kira");
    await browser.postAndFollow("/logout", {});
    await signInWithPassword(browser, "kira");
    await browser.get("/verify-2fa?recovery");
    expect((await browser.post("/verify-2fa?recovery", { otp: recoveryCodes[0] ?? "" })).status).toBe(303);
    const banner = (await dom(await browser.get("/"))).querySelector(".notice.warning[role=status]");
    expect(banner?.textContent).toContain("Lost your key?");
    expect(banner?.querySelector("a")?.getAttribute("href")).toBe("/account#passkeys");
  });

  test("with only passkeys and no JavaScript, the second step says so and offers a recovery code", async () => {
    const browser = new Browser(t.app);
    await enrollWithPasskey(browser, "nina");
    await browser.postAndFollow("/logout", {});
    await signInWithPassword(browser, "nina");
    const page = await dom(await browser.get("/verify-2fa"));
    expect(page.querySelector("input[name=otp]")).toBeNull();
    expect(page.querySelector("[data-webauthn-fallback]")?.textContent).toContain("needs JavaScript");
    expect(page.querySelector("a[href='/verify-2fa?recovery']")?.textContent).toContain("Use a recovery code");
    // A code of the key shown on the QR page before the passkey was chosen proves nothing.
    const response = await browser.post("/verify-2fa", { otp: "123456" });
    expect(response.status).toBe(422);
  });
});

describe("an account with only passkeys", () => {
  test("a code of the key shown on /setup-2fa but never confirmed proves nothing: at the second step, nor for new recovery codes", async () => {
    const browser = new Browser(t.app);
    await register(browser, "quin");
    const unconfirmed = await readKey(browser); // looked at, then a passkey chosen instead
    const creation = await options(browser, "/setup-2fa/webauthn/options");
    const enrolled = await browser.post("/setup-2fa/webauthn", { credential: await passkey().register(creation) });
    expect(enrolled.status).toBe(200);
    await browser.get("/account");
    const proof = await browser.post(
      "/account/recovery-codes",
      { otp: codeAt(unconfirmed, t.clock.now), assertion: "" },
      { htmx: true },
    );
    expect(proof.status).toBe(422);
    expect((await dom(proof)).querySelector(".code-list")).toBeNull();

    await browser.postAndFollow("/logout", {});
    await signInWithPassword(browser, "quin");
    t.clock.now += 30_000;
    const second = await browser.post("/verify-2fa", { otp: codeAt(unconfirmed, t.clock.now) });
    expect(second.status).toBe(422);
    expect(await signedInPage(browser)).toBe(false);
  });
});

describe("managing passkeys and security keys", () => {
  test("removing a credential that is not the last one still needs a proof", async () => {
    const browser = new Browser(t.app);
    const key = await registerWithTwoFactor(browser, t, "noor");
    await addSecurityKey(browser, key);
    const [credential] = await credentialsOf((await userNamed("noor")).id);
    const path = `/account/credentials/${encodeURIComponent(credential?.id ?? "")}/remove`;
    const response = await browser.post(path, { otp: "", assertion: "" }, { htmx: true });
    expect(response.status).toBe(422);
    expect(await credentialsOf((await userNamed("noor")).id)).toHaveLength(1);
  });

  test("adding needs fresh proof: no code and no passkey answer is refused", async () => {
    const browser = new Browser(t.app);
    await registerWithTwoFactor(browser, t, "ada");
    await browser.get("/account");
    const creation = await options(browser, "/account/credentials/options", { kind: "passkey" });
    const response = await browser.post(
      "/account/credentials",
      { kind: "passkey", name: "", credential: await passkey().register(creation), otp: "" },
      { htmx: true },
    );
    expect(response.status).toBe(422);
    expect(await credentialsOf((await userNamed("ada")).id)).toHaveLength(0);
  });

  test("a passkey may be the proof for adding another and for removing one", async () => {
    const browser = new Browser(t.app);
    const { authenticator: first } = await enrollWithPasskey(browser, "pete");
    await browser.get("/account");
    const prove = async () =>
      first.authenticate(await options(browser, "/account/credentials/proof-options"), {
        credential: first.credentials[0],
      });
    const second = securityKey();
    const creation = await options(browser, "/account/credentials/options", { kind: "security_key" });
    const added = await browser.post(
      "/account/credentials",
      {
        kind: "security_key",
        name: "Spare",
        credential: await second.register(creation),
        otp: "",
        assertion: await prove(),
      },
      { htmx: true },
    );
    expect(added.status).toBe(200);
    const user = await userNamed("pete");
    const [, spare] = await credentialsOf(user.id);
    expect(spare?.name).toBe("Spare");

    const removed = await browser.post(
      `/account/credentials/${encodeURIComponent(spare?.id ?? "")}/remove`,
      { otp: "", assertion: await prove() },
      { htmx: true },
    );
    expect(removed.status).toBe(200);
    const html = await removed.text();
    expect(html).toContain("“Spare” removed.");
    // The browser's password manager is told which passkeys are still good.
    const signal = (await dom(new Response(html))).querySelector("[data-webauthn-signal]");
    expect(signal?.getAttribute("data-credential-ids")).toBe((await credentialsOf(user.id))[0]?.id ?? "");
    expect(signal?.getAttribute("data-rp-id")).toBe("localhost");
    expect(await credentialsOf(user.id)).toHaveLength(1);
  });

  test("the last second factor cannot be removed", async () => {
    const browser = new Browser(t.app);
    const { authenticator } = await enrollWithPasskey(browser, "lou");
    await browser.get("/account");
    const user = await userNamed("lou");
    const [only] = await credentialsOf(user.id);
    const proof = await authenticator.authenticate(await options(browser, "/account/credentials/proof-options"));
    const response = await browser.post(
      `/account/credentials/${encodeURIComponent(only?.id ?? "")}/remove`,
      { otp: "", assertion: proof },
      { htmx: true },
    );
    expect(response.status).toBe(422);
    expect(await response.text()).toContain("This is your only second factor");
    expect(await credentialsOf(user.id)).toHaveLength(1);
  });

  test("two removals racing cannot take away the last two factors", async () => {
    const browser = new Browser(t.app);
    const { authenticator, recoveryCodes } = await enrollWithPasskey(browser, "rita");
    await browser.get("/account");
    const proof = await authenticator.authenticate(await options(browser, "/account/credentials/proof-options"));
    const creation = await options(browser, "/account/credentials/options", { kind: "security_key" });
    const added = await browser.post(
      "/account/credentials",
      {
        kind: "security_key",
        name: "Spare",
        credential: await securityKey().register(creation),
        otp: "",
        assertion: proof,
      },
      { htmx: true },
    );
    expect(added.status).toBe(200);
    const user = await userNamed("rita");
    const both = await credentialsOf(user.id);
    expect(both).toHaveLength(2);
    // Each removal with its own recovery code as proof, both at once: one goes, one is refused.
    const statuses = await Promise.all(
      both.map((credential, index) =>
        browser
          .post(
            `/account/credentials/${encodeURIComponent(credential.id)}/remove`,
            { otp: recoveryCodes[index] ?? "" },
            { htmx: true },
          )
          .then((response) => response.status),
      ),
    );
    expect(statuses.sort()).toEqual([200, 422]);
    expect(await credentialsOf(user.id)).toHaveLength(1);
  });

  test("nobody can rename or remove another user's credential", async () => {
    const owner = new Browser(t.app);
    const ownerKey = await registerWithTwoFactor(owner, t, "olive");
    await addSecurityKey(owner, ownerKey, "Olive's key");
    const [target] = await credentialsOf((await userNamed("olive")).id);
    const id = encodeURIComponent(target?.id ?? "");

    const attacker = new Browser(t.app);
    const attackerKey = await registerWithTwoFactor(attacker, t, "ivan");
    await attacker.get("/account");
    const renamed = await attacker.post(`/account/credentials/${id}/rename`, { name: "pwned" }, { htmx: true });
    expect(renamed.status).toBe(200);
    const removed = await attacker.post(
      `/account/credentials/${id}/remove`,
      { otp: codeAt(attackerKey, t.clock.now) },
      { htmx: true },
    );
    expect(removed.status).toBe(200);
    const [after] = await credentialsOf((await userNamed("olive")).id);
    expect(after?.name).toBe("Olive's key");
  });

  test("a rename is logged and shown, and names are checked", async () => {
    const browser = new Browser(t.app);
    const key = await registerWithTwoFactor(browser, t, "rosa");
    await addSecurityKey(browser, key, "Old name");
    const [credential] = await credentialsOf((await userNamed("rosa")).id);
    const path = `/account/credentials/${encodeURIComponent(credential?.id ?? "")}/rename`;
    expect((await browser.post(path, { name: " " }, { htmx: true })).status).toBe(422);
    expect((await browser.post(path, { name: "x".repeat(65) }, { htmx: true })).status).toBe(422);
    const response = await browser.post(path, { name: "<b>New</b>" }, { htmx: true });
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain("&lt;b&gt;New&lt;/b&gt;");
    expect(html).not.toContain("<b>New</b>");
    expect(html).toContain("data-webauthn-signal");
  });

  test("an account with only passkeys can link an authenticator app, which then works at the second step", async () => {
    const browser = new Browser(t.app);
    const { recoveryCodes } = await enrollWithPasskey(browser, "lina");
    const page = await dom(await browser.get("/account"));
    expect(page.querySelector("#reset-authenticator")?.textContent).toBe("Link an authenticator app");
    const started = await browser.post(
      "/account/reset-2fa",
      { password: GOOD_PASSWORD, otp: recoveryCodes[0] ?? "" },
      { htmx: true },
    );
    expect(started.status).toBe(200);
    const key = (await dom(started)).querySelector(".totp-key")?.textContent?.replace(/\s/g, "") ?? "";
    const confirmed = await browser.post(
      "/account/reset-2fa/confirm",
      { otp: codeAt(key, t.clock.now) },
      { htmx: true },
    );
    expect(await confirmed.text()).toContain("Your authenticator app is linked.");
    expect((await userNamed("lina")).totpEnabledAt).not.toBeNull();
    t.clock.now += 30_000;

    await browser.get("/");
    await browser.postAndFollow("/logout", {});
    await signInWithPassword(browser, "lina");
    const verify = await dom(await browser.get("/verify-2fa"));
    expect(verify.querySelector("input[name=otp]")).not.toBeNull();
    const signedIn = await browser.post("/verify-2fa", { otp: codeAt(key, t.clock.now) });
    expect(signedIn.headers.get("location")).toBe("/");
  });

  test("a kind that is neither passkey nor security key is a 400, not a 500", async () => {
    const browser = new Browser(t.app);
    await registerWithTwoFactor(browser, t, "kim");
    await browser.get("/account");
    expect((await browser.post("/account/credentials/options", { kind: "platform" })).status).toBe(400);
    expect((await browser.post("/account/credentials/options", {})).status).toBe(400);
  });

  test("an admin reset-2fa removes the passkeys and security keys too", async () => {
    const browser = new Browser(t.app);
    const key = await registerWithTwoFactor(browser, t, "ari");
    await addSecurityKey(browser, key);
    const user = await userNamed("ari");
    expect(await credentialsOf(user.id)).toHaveLength(1);
    const admin = adminTasks(keylessStores(t.database, () => t.clock.now, { idleMs: 1, absoluteMs: 1 }));
    await admin.resetTwoFactor("ari");
    expect(await credentialsOf(user.id)).toHaveLength(0);
    expect((await userNamed("ari")).twoFactorEnabledAt).toBeNull();
  });
});

describe("answers an attacker shapes", () => {
  /** The registration options of a fresh account at /setup-2fa, and its browser. */
  async function enrolling(username: string) {
    const browser = new Browser(t.app);
    await register(browser, username);
    await browser.get("/setup-2fa");
    return { browser, creation: await options(browser, "/setup-2fa/webauthn/options") };
  }

  /** A credential this site never saw, for an authenticator to answer with. */
  async function unregistered(authenticator: SoftAuthenticator) {
    await authenticator.register({ rp: { id: "localhost" }, challenge: "unused", user: { id: "AAAA" } });
    return authenticator.credentials.at(-1);
  }

  test("transports that are not a list of strings are a 422, never a 500, and store nothing", async () => {
    for (const [index, transports] of ["usb", 5, { usb: true }, [1], null].entries()) {
      const username = `tara${index}`;
      const { browser, creation } = await enrolling(username);
      const response = await browser.post("/setup-2fa/webauthn", {
        credential: await passkey().register(creation, { transports }),
      });
      expect({ transports, status: response.status }).toEqual({ transports, status: 422 });
      expect(await response.text()).toContain("could not be verified");
      const user = await userNamed(username);
      expect(user.twoFactorEnabledAt).toBeNull();
      expect(await credentialsOf(user.id)).toHaveLength(0);
    }
    // A list keeps the transports WebAuthn names, once each, and drops the rest.
    const { browser, creation } = await enrolling("theo");
    const credential = await passkey().register(creation, { transports: ["usb", "nfc", "usb", "x".repeat(500)] });
    expect((await browser.post("/setup-2fa/webauthn", { credential })).status).toBe(200);
    const [stored] = await credentialsOf((await userNamed("theo")).id);
    expect(stored?.transports).toBe("usb,nfc");
  });

  test("a refused registration on /account spends none of the recovery code given as proof", async () => {
    const browser = new Browser(t.app);
    const { recoveryCodes } = await enroll(browser, t, "tobi");
    const code = recoveryCodes[0] ?? "";
    await browser.get("/account");
    for (const overrides of [{ transports: "usb" }, { origin: "https://evil.example" }, { idBytes: 1024 }]) {
      const creation = await options(browser, "/account/credentials/options", { kind: "security_key" });
      const response = await browser.post(
        "/account/credentials",
        { kind: "security_key", name: "Key", credential: await securityKey().register(creation, overrides), otp: code },
        { htmx: true },
      );
      expect(response.status).toBe(422);
    }
    const user = await userNamed("tobi");
    expect(user.recoveryCodesLeft).toBe(10);
    expect(await credentialsOf(user.id)).toHaveLength(0);
    // The code still works.
    const creation = await options(browser, "/account/credentials/options", { kind: "security_key" });
    const added = await browser.post(
      "/account/credentials",
      { kind: "security_key", name: "Key", credential: await securityKey().register(creation), otp: code },
      { htmx: true },
    );
    expect(added.status).toBe(200);
    expect((await userNamed("tobi")).recoveryCodesLeft).toBe(9);
  });

  test("a ceremony run inside another site's frame is refused: enrolling, at the second step, and passwordless", async () => {
    for (const [index, frame] of [
      { crossOrigin: true, topOrigin: "http://evil.test" },
      { crossOrigin: true },
    ].entries()) {
      const { browser, creation } = await enrolling(`cora${index}`);
      const response = await browser.post("/setup-2fa/webauthn", {
        credential: await passkey().register(creation, frame),
      });
      expect(response.status).toBe(422);
      expect((await userNamed(`cora${index}`)).twoFactorEnabledAt).toBeNull();
    }
    // A topOrigin without crossOrigin is no browser's answer either.
    const { browser, creation } = await enrolling("cleo");
    const topOnly = await browser.post("/setup-2fa/webauthn", {
      credential: await passkey().register(creation, { topOrigin: ORIGIN }),
    });
    expect(topOnly.status).toBe(422);

    const owner = new Browser(t.app);
    const { authenticator } = await enrollWithPasskey(owner, "cyd");
    const framed = new Browser(t.app);
    expect((await passkeySignIn(framed, authenticator, { crossOrigin: true })).status).toBe(422);
    expect(await signedInPage(framed)).toBe(false);

    await owner.postAndFollow("/logout", {});
    await signInWithPassword(owner, "cyd");
    await owner.get("/verify-2fa");
    const request = await options(owner, "/verify-2fa/webauthn/options");
    const second = await owner.post("/verify-2fa/webauthn", {
      credential: await authenticator.authenticate(request, { crossOrigin: true, topOrigin: "http://evil.test" }),
    });
    expect(second.status).toBe(422);
    expect(await signedInPage(owner)).toBe(false);
  });

  test("credential ids over 1,023 bytes are refused; 1,023 is enough", async () => {
    for (const idBytes of [1024, 4096]) {
      const { browser, creation } = await enrolling(`ida${idBytes}`);
      const response = await browser.post("/setup-2fa/webauthn", {
        credential: await passkey().register(creation, { idBytes }),
      });
      expect(response.status).toBe(422);
      expect(await credentialsOf((await userNamed(`ida${idBytes}`)).id)).toHaveLength(0);
    }
    const authenticator = new SoftAuthenticator({ origin: ORIGIN, idBytes: 1023 });
    await enrollWithPasskey(new Browser(t.app), "ida", authenticator);
    expect((await passkeySignIn(new Browser(t.app), authenticator)).status).toBe(303);
  });

  test("passwordless needs the credential's own user handle: another user's, a random one or none is refused", async () => {
    const { authenticator } = await enrollWithPasskey(new Browser(t.app), "hana");
    const { authenticator: other } = await enrollWithPasskey(new Browser(t.app), "hugo");
    const othersHandle = other.credentials[0]?.userHandle ?? "";
    const random = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url");
    for (const userHandle of [othersHandle, random, null, "not base64url!"]) {
      const browser = new Browser(t.app);
      const response = await passkeySignIn(browser, authenticator, { userHandle });
      expect({ userHandle, status: response.status }).toEqual({ userHandle, status: 422 });
      expect(await signedInPage(browser)).toBe(false);
    }
    expect((await passkeySignIn(new Browser(t.app), authenticator)).status).toBe(303);
  });

  test("at the second step, a user handle that is present must be the owner's", async () => {
    const browser = new Browser(t.app);
    const { authenticator } = await enrollWithPasskey(browser, "ulla");
    const { authenticator: other } = await enrollWithPasskey(new Browser(t.app), "ugo");
    await browser.postAndFollow("/logout", {});
    await signInWithPassword(browser, "ulla");
    await browser.get("/verify-2fa");
    const request = await options(browser, "/verify-2fa/webauthn/options");
    const response = await browser.post("/verify-2fa/webauthn", {
      credential: await authenticator.authenticate(request, { userHandle: other.credentials[0]?.userHandle }),
    });
    expect(response.status).toBe(422);
    expect(await signedInPage(browser)).toBe(false);
  });

  test("a forged signature gets one answer, whether the id is registered or not, and whatever its counter", async () => {
    const { authenticator } = await enrollWithPasskey(new Browser(t.app), "fern");
    expect((await passkeySignIn(new Browser(t.app), authenticator)).status).toBe(303); // stored counter 1
    expect((await passkeySignIn(new Browser(t.app), authenticator)).status).toBe(303); // stored counter 2
    const [registered] = authenticator.credentials;
    const stranger = await unregistered(new SoftAuthenticator({ origin: ORIGIN }));
    const answers: string[] = [];
    for (const overrides of [
      { credential: registered, counter: 1, forged: true }, // behind the stored counter
      { credential: registered, counter: 9, forged: true }, // ahead of it
      { credential: stranger, counter: 9, forged: false }, // an id nobody registered
    ]) {
      const browser = new Browser(t.app);
      const response = await passkeySignIn(browser, authenticator, overrides);
      expect(response.status).toBe(422);
      answers.push((await dom(response)).querySelector("[id$=-error], .error, [role=alert]")?.textContent ?? "");
      expect(await signedInPage(browser)).toBe(false);
    }
    expect(answers[0]).toContain("could not be verified");
    expect(new Set(answers).size).toBe(1);
  });

  test("an assertion without the user-present flag is refused, even with a good signature", async () => {
    const { authenticator } = await enrollWithPasskey(new Browser(t.app), "pria");
    const browser = new Browser(t.app);
    expect((await passkeySignIn(browser, authenticator, { userPresent: false })).status).toBe(422);
    expect(await signedInPage(browser)).toBe(false);
  });

  test("two assertions with one counter value sent at once: one signs in, one is refused", async () => {
    const { authenticator } = await enrollWithPasskey(new Browser(t.app), "cass");
    const browsers = [new Browser(t.app), new Browser(t.app)];
    const answers: string[] = [];
    for (const browser of browsers) {
      await browser.get("/login");
      answers.push(await authenticator.authenticate(await options(browser, "/login/passkey/options"), { counter: 7 }));
    }
    const responses = await Promise.all(
      browsers.map((browser, index) => browser.post("/login/passkey", { credential: answers[index] ?? "" })),
    );
    expect(responses.map((response) => response.status).sort()).toEqual([303, 422]);
  });

  test("one proof of a synced passkey (counter 0) is good for one action only", async () => {
    const synced = new SoftAuthenticator({ origin: ORIGIN, synced: true });
    const browser = new Browser(t.app);
    await enrollWithPasskey(browser, "sybil", synced);
    await browser.get("/account");
    const proof = await synced.authenticate(await options(browser, "/account/credentials/proof-options"));
    const first = await browser.post("/account/recovery-codes", { otp: "", assertion: proof }, { htmx: true });
    expect(first.status).toBe(200);
    const codes = (await dom(first)).querySelectorAll(".code-list code");
    expect(codes.length).toBe(10);
    const again = await browser.post("/account/recovery-codes", { otp: "", assertion: proof }, { htmx: true });
    expect(again.status).toBe(422);
    expect(await again.text()).toContain("expired or was already answered");
  });

  test("an answer to the add-credential challenge is no proof for another action", async () => {
    const browser = new Browser(t.app);
    const { authenticator } = await enrollWithPasskey(browser, "abel");
    await browser.get("/account");
    const madeAt = (await userNamed("abel")).recoveryCodesMadeAt;
    const addOptions = await options(browser, "/account/credentials/options", { kind: "passkey" });
    // Signed over the challenge handed out for adding a credential, by a key the account has.
    const answer = await authenticator.authenticate({ challenge: addOptions.challenge, rpId: "localhost" });
    const response = await browser.post("/account/recovery-codes", { otp: "", assertion: answer }, { htmx: true });
    expect(response.status).toBe(422);
    expect((await dom(response)).querySelector(".code-list")).toBeNull();
    expect((await userNamed("abel")).recoveryCodesMadeAt).toBe(madeAt);
  });

  test("after five wrong codes, a valid security-key answer at the second step gets 429, not a sign-in", async () => {
    const browser = new Browser(t.app);
    const key = await registerWithTwoFactor(browser, t, "wendy");
    const { authenticator } = await addSecurityKey(browser, key);
    await browser.postAndFollow("/logout", {});
    await signInWithPassword(browser, "wendy");
    await browser.get("/verify-2fa");
    for (let i = 0; i < 5; i++) await browser.post("/verify-2fa", { otp: wrongCodeAt(key, t.clock.now) });
    const request = await options(browser, "/verify-2fa/webauthn/options");
    const response = await browser.post("/verify-2fa/webauthn", {
      credential: await authenticator.authenticate(request),
    });
    expect(response.status).toBe(429);
    expect(await response.text()).toContain("Too many wrong codes");
    expect(await signedInPage(browser)).toBe(false);
  });
});
