import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { codeAt } from "../src/auth/factors/totp";
import { SoftAuthenticator } from "./authenticator";
import {
  Browser,
  dom,
  ORIGIN,
  readKey,
  register,
  registerWithTwoFactor,
  signInWithPassword,
  type TestApp,
  testApp,
} from "./helpers";
import {
  addSecurityKey,
  credentialsOf,
  enrollWithPasskey,
  type Json,
  options,
  passkey,
  passkeySignIn,
  signedInPage,
  userNamed,
} from "./webauthn-setup";

let t: TestApp;
beforeEach(async () => {
  t = await testApp();
});
afterEach(() => t.close());

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
    const user = await userNamed(t, "pia");
    expect(handle.toString()).not.toContain("pia");
    expect(handle.toString("base64url")).toBe(user.webauthnUserId ?? "");
    expect(creation.attestation).toBe("none");
  });

  test("a passkey turns 2FA on and shows the recovery codes, and the session is signed in", async () => {
    const browser = new Browser(t.app);
    await enrollWithPasskey(browser, "paula");
    expect(await signedInPage(browser)).toBe(true);
    const user = await userNamed(t, "paula");
    expect(user.twoFactorEnabledAt).not.toBeNull();
    expect(user.totpEnabledAt).toBeNull();
    const [stored] = await credentialsOf(t, user.id);
    expect(stored?.kind).toBe("passkey");
    // Only public data: the columns hold no private key, which never leaves the authenticator.
    expect(Object.keys(stored ?? {}).sort()).toEqual(
      [
        "aaguid",
        "addedAutomatically",
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
      expect((await userNamed(t, username)).twoFactorEnabledAt).toBeNull();
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
    const { response, authenticator } = await addSecurityKey(t, browser, key);
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
      (await credentialsOf(t, (await userNamed(t, "sven")).id)).map((credential) => credential.id),
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
    const { authenticator } = await addSecurityKey(t, browser, key);
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
