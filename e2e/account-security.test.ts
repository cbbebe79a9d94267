import { describe, expect, test } from "bun:test";
import {
  checkState,
  PASSWORD,
  type Page,
  register,
  scanQrCode,
  serverAndBrowser,
  type Watched,
  watchedContext,
} from "./harness";

const JOURNEY_MS = 90_000;

const suite = serverAndBrowser();

/** Registers and turns 2FA on with the app, in a browser; ends on the home page. Returns the recovery codes. */
async function enrollWithApp(page: Page, username: string): Promise<string[]> {
  await page.goto(`${suite.origin}/register`);
  await register(page, username);
  await page.locator(".qr img").waitFor();
  const { totp } = await scanQrCode(page);
  await page.getByRole("link", { name: "I've scanned it" }).click();
  await page.getByLabel("6-digit code").fill(totp.generate());
  await page.getByRole("button", { name: "Turn on two-factor sign-in" }).click();
  await page.locator(".code-list").waitFor();
  const codes = await page.locator(".code-list code").allTextContents();
  await page.getByRole("link", { name: "I've saved them: continue" }).click();
  await page.getByRole("heading", { name: `Welcome, ${username}!` }).waitFor();
  return codes;
}

/** Chromium's virtual passkey on this device, over CDP. */
async function addVirtualPasskey(page: Page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      transport: "internal",
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
}

const checker = (page: Page, watched: Watched) => (name: string) => checkState(page, watched, name);

describe("account security in a real browser", () => {
  test(
    "the passkey offer, the confirm page, This wasn't me, a new password, and deleting the account",
    async () => {
      const watched = await watchedContext(suite.browser, { javaScriptEnabled: true });
      // The virtual authenticator would answer the login page's autofill at once, signing in with
      // the passkey before the password step this journey walks through.
      await watched.context.addInitScript(() => {
        if (window.PublicKeyCredential) PublicKeyCredential.isConditionalMediationAvailable = async () => false;
      });
      const page = await watched.context.newPage();
      const check = checker(page, watched);
      await addVirtualPasskey(page);
      const username = `sec${Date.now() % 1_000_000}`;
      const codes = await enrollWithApp(page, username);

      // 1. The passkey offer. Chromium reports conditionalCreate, so the page asks for a passkey
      // without a dialog; that request waits for a password manager's say, which a headless
      // Chromium never gives, so it stays pending, quietly, until the line's button replaces it.
      const conditionalCreate = await page.evaluate(
        async () => (await PublicKeyCredential.getClientCapabilities?.())?.conditionalCreate ?? null,
      );
      console.info(`Chromium ${suite.browser.version()}: conditionalCreate = ${conditionalCreate}`);
      const offer = page.locator("#passkey-offer");
      await offer.getByText("Sign in faster next time: add a passkey.").waitFor();
      await check("security-01-passkey-offer");
      await offer.getByRole("button", { name: "Add a passkey" }).click();
      await offer.getByText("Passkey added").waitFor();
      await check("security-02-passkey-added");

      // 2. The confirm page a route with signedIn: { fresh } sends to, here asked for directly.
      await page.goto(`${suite.origin}/confirm?return=${encodeURIComponent("/account")}`);
      await page.getByRole("heading", { name: "Confirm it's you" }).waitFor();
      await check("security-03-confirm");
      await page.getByLabel("Code").fill(codes[0] ?? "");
      await page.getByRole("button", { name: "Confirm" }).click();
      await page.getByRole("heading", { name: "Security settings" }).waitFor();
      expect(new URL(page.url()).pathname).toBe("/account");
      await page.locator("#notice-email").getByText("None yet.").waitFor();
      expect(await page.locator("#passkeys .device-list li").count()).toBe(1);
      await check("security-04-account");

      // 3. A password change, disowned through its notice's link.
      await page.getByLabel("Current password").fill(PASSWORD);
      await page.getByLabel("New password", { exact: true }).fill("a thief chose this one");
      await page.getByLabel("New password, again").fill("a thief chose this one");
      await page.getByRole("button", { name: "Change password" }).click();
      await page.getByText("Password changed.").waitFor();
      let notice = suite.server.notices().find((each) => each.event === "password_changed");
      for (let waited = 0; !notice && waited < 2000; waited += 50) {
        await Bun.sleep(50);
        notice = suite.server.notices().find((each) => each.event === "password_changed");
      }
      expect(notice?.username).toBe(username);
      await page.goto(notice?.repudiateUrl ?? "");
      await page.getByRole("heading", { name: "This wasn't me" }).waitFor();
      await check("security-05-this-wasnt-me");
      await page.getByRole("button", { name: "Secure my account" }).click();
      await page.getByRole("heading", { name: "Your account is secured" }).waitFor();
      await check("security-06-secured");

      // 4. The next sign-in: any password, a second factor, then a new password first.
      await page.getByRole("link", { name: "Sign in" }).click();
      await page.getByLabel("Username").fill(username);
      await page.getByLabel("Password").fill("not remembered");
      await page.getByRole("button", { name: "Continue" }).click();
      await page.getByRole("link", { name: "Lost your phone? Use a recovery code" }).click();
      await page.getByLabel("Recovery code").fill(codes[1] ?? "");
      await page.getByRole("button", { name: "Verify" }).click();
      await page.getByRole("heading", { name: "Choose a new password" }).waitFor();
      await check("security-07-new-password");
      await page.getByLabel("New password", { exact: true }).fill("mine again and longer");
      await page.getByLabel("New password, again").fill("mine again and longer");
      await page.getByRole("button", { name: "Set the new password" }).click();
      await page.getByRole("heading", { name: `Welcome, ${username}!` }).waitFor();

      // 5. Deleting the account, with the password and a recovery code.
      await page.goto(`${suite.origin}/account`);
      const deletion = page.locator("#delete-account");
      await deletion.getByLabel("Your password").fill("mine again and longer");
      await deletion.getByLabel("Code").fill(codes[2] ?? "");
      await deletion.getByRole("button", { name: "Delete my account" }).click();
      await page.getByText("Your account was deleted.").waitFor();
      expect(new URL(page.url()).pathname).toBe("/login");
      await check("security-08-deleted");
      await watched.context.close();
    },
    JOURNEY_MS,
  );

  test(
    "without JavaScript, the offer can be put off, and the confirm page takes a code",
    async () => {
      const watched = await watchedContext(suite.browser, { javaScriptEnabled: false });
      const page = await watched.context.newPage();
      const check = checker(page, watched);
      const username = `nsec${Date.now() % 1_000_000}`;
      const codes = await enrollWithApp(page, username);
      const offer = page.locator("#passkey-offer");
      await offer.getByRole("link", { name: "Add one in your security settings" }).waitFor();
      expect(await offer.getByRole("button", { name: "Add a passkey" }).isVisible()).toBe(false);
      await check("security-nojs-01-passkey-offer");
      await offer.getByRole("button", { name: "Not now" }).click();
      await page.getByRole("heading", { name: `Welcome, ${username}!` }).waitFor();
      expect(await page.locator("#passkey-offer").count()).toBe(0);

      await page.goto(`${suite.origin}/confirm?return=${encodeURIComponent("/account")}`);
      await check("security-nojs-02-confirm");
      await page.getByLabel("Code").fill(codes[0] ?? "");
      await page.getByRole("button", { name: "Confirm" }).click();
      await page.getByRole("heading", { name: "Security settings" }).waitFor();
      await watched.context.close();
    },
    JOURNEY_MS,
  );
});
