import { describe, expect, test } from "bun:test";
import { checkState, PASSWORD, type Page, register, serverAndBrowser, watchedContext } from "./harness";

// Real browsers are slow to start; each journey gets a minute and a half.
const JOURNEY_MS = 90_000;

const suite = serverAndBrowser();

type AuthenticatorOptions = {
  transport: "internal" | "usb";
  hasResidentKey: boolean;
  hasUserVerification: boolean;
  isUserVerified?: boolean;
  defaultBackupEligibility?: boolean;
  defaultBackupState?: boolean;
};

/** Chromium's virtual authenticators, over CDP: a passkey on this device, or a USB security key. */
async function virtualAuthenticators(page: Page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  return {
    async add(options: AuthenticatorOptions): Promise<string> {
      const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
        options: { protocol: "ctap2", automaticPresenceSimulation: true, isUserVerified: true, ...options },
      });
      return authenticatorId;
    },
    remove: (authenticatorId: string) => cdp.send("WebAuthn.removeVirtualAuthenticator", { authenticatorId }),
    setUserVerified: (authenticatorId: string, isUserVerified: boolean) =>
      cdp.send("WebAuthn.setUserVerified", { authenticatorId, isUserVerified }),
  };
}

const passkey: AuthenticatorOptions = { transport: "internal", hasResidentKey: true, hasUserVerification: true };
const securityKey: AuthenticatorOptions = { transport: "usb", hasResidentKey: false, hasUserVerification: false };

async function signOut(page: Page) {
  await page.goto(`${suite.origin}/`);
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByRole("heading", { name: "Sign in" }).waitFor();
}

/** Registers and enrolls with a passkey instead of the app; ends on the home page. Returns a recovery code. */
async function enrollWithPasskey(page: Page, username: string, check: (name: string) => Promise<void>) {
  await page.goto(`${suite.origin}/register`);
  await register(page, username);
  const instead = page.getByRole("button", { name: "Use a passkey or security key instead" });
  await instead.waitFor();
  await check("webauthn-01-setup-offers-a-passkey");
  await instead.click();
  await page.getByRole("heading", { name: "Two-factor sign-in is on" }).waitFor();
  await check("webauthn-02-recovery-codes");
  const recoveryCode = (await page.locator(".code-list code").first().textContent()) ?? "";
  await page.getByRole("link", { name: "I've saved them: continue" }).click();
  await page.getByRole("heading", { name: `Welcome, ${username}!` }).waitFor();
  return recoveryCode;
}

describe("passkeys and security keys in a real browser", () => {
  test(
    "enroll with a passkey only, sign in with it alone, add a security key, sign in with password and key, remove the passkey",
    async () => {
      const watched = await watchedContext(suite.browser, { javaScriptEnabled: true });
      // Chromium's virtual authenticator answers an autofill request at once, with no one choosing:
      // without autofill here, the button is what signs in (the next journey covers autofill).
      await watched.context.addInitScript(() => {
        // Defined only in secure contexts: this runs in every frame, about:blank too.
        if (window.PublicKeyCredential) PublicKeyCredential.isConditionalMediationAvailable = async () => false;
      });
      const page = await watched.context.newPage();
      const check = (name: string) => checkState(page, watched, name);
      const authenticators = await virtualAuthenticators(page);
      const onThisDevice = await authenticators.add(passkey);
      const username = `pk${Date.now() % 1_000_000}`;

      await enrollWithPasskey(page, username, check);
      await signOut(page);

      await page.getByRole("button", { name: "Sign in with a passkey" }).click();
      await page.getByRole("heading", { name: `Welcome, ${username}!` }).waitFor();
      await check("webauthn-03-signed-in-with-a-passkey-alone");

      await page.getByRole("link", { name: "Security settings" }).click();
      const panel = page.locator("#passkeys");
      await panel.getByRole("heading", { name: "Passkeys and security keys" }).waitFor();
      expect(await panel.locator(".device-list li").count()).toBe(1);
      expect(await panel.locator("mark").first().textContent()).toBe("Passkey");
      await check("webauthn-04-account-one-passkey");

      // A security key: the passkey proves it is the owner (the code field stays empty), then the key registers.
      await authenticators.add(securityKey);
      await page.getByLabel("Name", { exact: true }).last().fill("Blue key");
      await panel.getByRole("button", { name: "Add a security key" }).click();
      await panel.getByText("Security key “Blue key” added.").waitFor();
      expect(await panel.locator(".device-list li").count()).toBe(2);
      await check("webauthn-05-security-key-added");

      // Password, then the key: without the passkey on this device, only the USB key can answer.
      await authenticators.remove(onThisDevice);
      await signOut(page);
      await page.getByLabel("Username").fill(username);
      await page.getByLabel("Password").fill(PASSWORD);
      await page.getByRole("button", { name: "Continue" }).click();
      const useKey = page.getByRole("button", { name: "Use your passkey or security key" });
      await useKey.waitFor();
      // This account has no app: no code field, a recovery code is the way without a key.
      expect(await page.getByLabel("6-digit code").count()).toBe(0);
      await check("webauthn-06-second-step-with-a-key");
      await useKey.click();
      await page.getByRole("heading", { name: `Welcome, ${username}!` }).waitFor();

      // Remove the passkey that lived on the device now gone, with the key as the proof.
      await page.getByRole("link", { name: "Security settings" }).click();
      const gone = panel.locator(".device-list li", { has: page.getByText("Passkey", { exact: true }) });
      await gone.getByText("Rename or remove").click();
      await gone.getByRole("button", { name: "Remove" }).click();
      await panel.getByText("removed. It no longer signs you in.").waitFor();
      expect(await panel.locator(".device-list li").count()).toBe(1);
      expect(await panel.locator(".device-list li strong").textContent()).toBe("Blue key");
      await check("webauthn-07-passkey-removed");
      // The security log tells what happened.
      const log = (await page.locator("#security-log").textContent()) ?? "";
      expect(log).toContain("Passkey or security key removed");
      expect(log).toContain("Signed in with a security key");
      await watched.context.close();
    },
    JOURNEY_MS,
  );

  test(
    "a synced passkey shows as synced, a failed user verification says so in place, and autofill offers the passkey",
    async () => {
      const watched = await watchedContext(suite.browser, { javaScriptEnabled: true });
      const page = await watched.context.newPage();
      const check = (name: string) => checkState(page, watched, name);
      const authenticators = await virtualAuthenticators(page);
      const synced = await authenticators.add({ ...passkey, defaultBackupEligibility: true, defaultBackupState: true });
      const username = `sy${Date.now() % 1_000_000}`;

      await enrollWithPasskey(page, username, async () => {});
      await page.getByRole("link", { name: "Security settings" }).click();
      await page.locator("#passkeys").getByText("Synced to your other devices").waitFor();
      await check("webauthn-08-synced-passkey");

      await authenticators.setUserVerified(synced, false);
      await signOut(page);
      await page.getByRole("button", { name: "Sign in with a passkey" }).click();
      const error = page.locator("[data-webauthn-error]:not([hidden])");
      await error.waitFor();
      expect(await error.textContent()).toContain("did not confirm it is you");
      expect(new URL(page.url()).pathname).toBe("/login");
      await check("webauthn-09-verification-failed");

      // The login page offers the passkey in the username field's autofill (conditional mediation);
      // the virtual authenticator picks it at once, as a person choosing it would.
      await authenticators.setUserVerified(synced, true);
      await page.reload();
      await page.getByRole("heading", { name: `Welcome, ${username}!` }).waitFor();
      await watched.context.close();
    },
    JOURNEY_MS,
  );

  test(
    "without JavaScript, no WebAuthn button shows, and the QR code stays the way in",
    async () => {
      const watched = await watchedContext(suite.browser, { javaScriptEnabled: false });
      const page = await watched.context.newPage();
      await page.goto(`${suite.origin}/login`);
      expect(await page.getByRole("button", { name: "Sign in with a passkey" }).count()).toBe(0);
      await page.goto(`${suite.origin}/register`);
      await register(page, `nj${Date.now() % 1_000_000}`);
      await page.locator(".qr img").waitFor();
      expect(await page.getByRole("button", { name: "Use a passkey or security key instead" }).count()).toBe(0);
      await checkState(page, watched, "webauthn-10-no-javascript-setup");
      await watched.context.close();
    },
    JOURNEY_MS,
  );
});
