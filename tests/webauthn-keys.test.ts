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
  noteOf,
  ORIGIN,
  register,
  registerWithTwoFactor,
  signInWithPassword,
  type TestApp,
  testApp,
  wrongCodeAt,
} from "./helpers";
import {
  addSecurityKey,
  credentialsOf,
  enrollWithPasskey,
  options,
  passkey,
  passkeySignIn,
  securityKey,
  signedInPage,
  userNamed,
} from "./webauthn-setup";

let t: TestApp;
beforeEach(async () => {
  t = await testApp();
});
afterEach(() => t.close());

describe("managing passkeys and security keys", () => {
  test("removing a credential that is not the last one still needs a proof", async () => {
    const browser = new Browser(t.app);
    const key = await registerWithTwoFactor(browser, t, "noor");
    await addSecurityKey(t, browser, key);
    const [credential] = await credentialsOf(t, (await userNamed(t, "noor")).id);
    const path = `/account/credentials/${encodeURIComponent(credential?.id ?? "")}/remove`;
    const response = await browser.post(path, { otp: "", assertion: "" }, { htmx: true });
    expect(response.status).toBe(422);
    expect(await credentialsOf(t, (await userNamed(t, "noor")).id)).toHaveLength(1);
  });

  test("are listed oldest first, by when they were added, whatever order the database returns them in", async () => {
    const browser = new Browser(t.app);
    const key = await registerWithTwoFactor(browser, t, "omar");
    await addSecurityKey(t, browser, key, "Blue key");
    await addSecurityKey(t, browser, key, "Red key");
    // The first row stored becomes the newer one, so that only sorting by the time puts Red first.
    const { webauthnCredentials } = t.tables;
    await t.db
      .update(webauthnCredentials)
      .set({ createdAt: t.clock.now + 60_000 })
      .where(eq(webauthnCredentials.name, "Blue key"));
    const page = await dom(await browser.get("/account"));
    const names = [...page.querySelectorAll("#passkeys li strong")].map((name) => name.textContent);
    expect(names).toEqual(["Red key", "Blue key"]);
  });

  test("adding needs fresh proof: no code and no passkey answer is refused, once the sign-in's factor is not recent", async () => {
    const browser = new Browser(t.app);
    await registerWithTwoFactor(browser, t, "ada");
    t.clock.now += 5 * 60_000;
    await browser.get("/account");
    const creation = await options(browser, "/account/credentials/options", { kind: "passkey" });
    const response = await browser.post(
      "/account/credentials",
      { kind: "passkey", name: "", credential: await passkey().register(creation), otp: "" },
      { htmx: true },
    );
    expect(response.status).toBe(422);
    // Said at the field of the add form, which is otherwise drawn once for everyone.
    const refused = await dom(response);
    expect(refused.getElementById("new-credential-otp")?.getAttribute("aria-invalid")).toBe("true");
    expect(noteOf(refused, "new-credential-otp")).toContain("Enter the 6-digit code");
    expect(await credentialsOf(t, (await userNamed(t, "ada")).id)).toHaveLength(0);
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
    const user = await userNamed(t, "pete");
    const [, spare] = await credentialsOf(t, user.id);
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
    expect(signal?.getAttribute("data-credential-ids")).toBe((await credentialsOf(t, user.id))[0]?.id ?? "");
    expect(signal?.getAttribute("data-rp-id")).toBe("localhost");
    expect(await credentialsOf(t, user.id)).toHaveLength(1);
  });

  test("the last second factor cannot be removed", async () => {
    const browser = new Browser(t.app);
    const { authenticator } = await enrollWithPasskey(browser, "lou");
    await browser.get("/account");
    const user = await userNamed(t, "lou");
    const [only] = await credentialsOf(t, user.id);
    const proof = await authenticator.authenticate(await options(browser, "/account/credentials/proof-options"));
    const response = await browser.post(
      `/account/credentials/${encodeURIComponent(only?.id ?? "")}/remove`,
      { otp: "", assertion: proof },
      { htmx: true },
    );
    expect(response.status).toBe(422);
    expect(await response.text()).toContain("This is your only second factor");
    expect(await credentialsOf(t, user.id)).toHaveLength(1);
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
    const user = await userNamed(t, "rita");
    const both = await credentialsOf(t, user.id);
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
    expect(await credentialsOf(t, user.id)).toHaveLength(1);
  });

  test("nobody can rename or remove another user's credential", async () => {
    const owner = new Browser(t.app);
    const ownerKey = await registerWithTwoFactor(owner, t, "olive");
    await addSecurityKey(t, owner, ownerKey, "Olive's key");
    const [target] = await credentialsOf(t, (await userNamed(t, "olive")).id);
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
    const [after] = await credentialsOf(t, (await userNamed(t, "olive")).id);
    expect(after?.name).toBe("Olive's key");
  });

  test("a rename is logged and shown, and names are checked", async () => {
    const browser = new Browser(t.app);
    const key = await registerWithTwoFactor(browser, t, "rosa");
    await addSecurityKey(t, browser, key, "Old name");
    const [credential] = await credentialsOf(t, (await userNamed(t, "rosa")).id);
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
    expect((await userNamed(t, "lina")).totpEnabledAt).not.toBeNull();
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
    await addSecurityKey(t, browser, key);
    const user = await userNamed(t, "ari");
    expect(await credentialsOf(t, user.id)).toHaveLength(1);
    const admin = adminTasks(keylessStores(t.database, () => t.clock.now, { idleMs: 1, absoluteMs: 1 }));
    await admin.resetTwoFactor("ari");
    expect(await credentialsOf(t, user.id)).toHaveLength(0);
    expect((await userNamed(t, "ari")).twoFactorEnabledAt).toBeNull();
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
      const user = await userNamed(t, username);
      expect(user.twoFactorEnabledAt).toBeNull();
      expect(await credentialsOf(t, user.id)).toHaveLength(0);
    }
    // A list keeps the transports WebAuthn names, once each, and drops the rest.
    const { browser, creation } = await enrolling("theo");
    const credential = await passkey().register(creation, { transports: ["usb", "nfc", "usb", "x".repeat(500)] });
    expect((await browser.post("/setup-2fa/webauthn", { credential })).status).toBe(200);
    const [stored] = await credentialsOf(t, (await userNamed(t, "theo")).id);
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
    const user = await userNamed(t, "tobi");
    expect(user.recoveryCodesLeft).toBe(10);
    expect(await credentialsOf(t, user.id)).toHaveLength(0);
    // The code still works.
    const creation = await options(browser, "/account/credentials/options", { kind: "security_key" });
    const added = await browser.post(
      "/account/credentials",
      { kind: "security_key", name: "Key", credential: await securityKey().register(creation), otp: code },
      { htmx: true },
    );
    expect(added.status).toBe(200);
    expect((await userNamed(t, "tobi")).recoveryCodesLeft).toBe(9);
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
      expect((await userNamed(t, `cora${index}`)).twoFactorEnabledAt).toBeNull();
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
      expect(await credentialsOf(t, (await userNamed(t, `ida${idBytes}`)).id)).toHaveLength(0);
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
    const madeAt = (await userNamed(t, "abel")).recoveryCodesMadeAt;
    const addOptions = await options(browser, "/account/credentials/options", { kind: "passkey" });
    // Signed over the challenge handed out for adding a credential, by a key the account has.
    const answer = await authenticator.authenticate({ challenge: addOptions.challenge, rpId: "localhost" });
    const response = await browser.post("/account/recovery-codes", { otp: "", assertion: answer }, { htmx: true });
    expect(response.status).toBe(422);
    expect((await dom(response)).querySelector(".code-list")).toBeNull();
    expect((await userNamed(t, "abel")).recoveryCodesMadeAt).toBe(madeAt);
  });

  test("after five wrong codes, a valid security-key answer at the second step gets 429, not a sign-in", async () => {
    const browser = new Browser(t.app);
    const key = await registerWithTwoFactor(browser, t, "wendy");
    const { authenticator } = await addSecurityKey(t, browser, key);
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
