import { describe, expect, test } from "bun:test";
import { checkState, PASSWORD, register, scanQrCode, serverAndBrowser, watchedContext, wrongCode } from "./harness";

// Real browsers are slow to start; each journey gets a minute.
const JOURNEY_MS = 60_000;

const suite = serverAndBrowser();

describe("with JavaScript on, htmx swaps every step in place", () => {
  test(
    "register, scan, swap, a wrong code, the right one, sign out, sign in",
    async () => {
      const watched = await watchedContext(suite.browser, { javaScriptEnabled: true });
      const page = await watched.context.newPage();
      const username = `js${Date.now() % 1_000_000}`;

      await page.goto(`${suite.origin}/register`);
      await checkState(page, watched, "js-01-register");
      // A full page load would lose this.
      await page.evaluate(() => Object.assign(window, { journeyMarker: "still here" }));
      const marker = () => page.evaluate(() => (window as unknown as { journeyMarker?: string }).journeyMarker);

      await register(page, username);
      await page.locator(".qr img").waitFor();
      expect(new URL(page.url()).pathname).toBe("/setup-2fa");
      await checkState(page, watched, "js-02-setup");
      const { uri, totp } = await scanQrCode(page);
      expect(uri).toStartWith("otpauth://totp/");
      expect(totp.label).toBe(username);
      const typedKey = (await page.locator(".totp-key").textContent())?.replace(/\s/g, "");
      expect(typedKey).toBe(totp.secret.base32);

      // The key can be copied with the keyboard alone.
      await watched.context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: suite.origin });
      await page.getByRole("button", { name: "Copy key" }).focus();
      await page.keyboard.press("Enter");
      await page.getByRole("button", { name: "Copied" }).waitFor();
      expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(totp.secret.base32);

      // Setup and code form replace each other, both ways.
      await page.getByRole("link", { name: "I've scanned it" }).click();
      await page.getByLabel("6-digit code").waitFor();
      await page.locator("#otp:focus").waitFor({ timeout: 2000 });
      await checkState(page, watched, "js-03-code");
      await page.getByRole("link", { name: "Show the QR code again" }).click();
      await page.locator(".qr img").waitFor();
      await page.getByRole("link", { name: "I've scanned it" }).click();
      await page.getByLabel("6-digit code").waitFor();

      // While the answer is on its way, the button is disabled and busy.
      let answer = () => {};
      await page.route("**/verify-2fa", async (route) => {
        await new Promise<void>((resolve) => {
          answer = resolve;
        });
        await route.continue();
      });
      watched.expectRefusal(422, "/verify-2fa");
      await page.getByLabel("6-digit code").fill(wrongCode(totp));
      await page.getByRole("button", { name: "Turn on two-factor sign-in" }).click();
      await page.locator("button[type=submit][disabled][aria-busy=true]").waitFor();
      await checkState(page, watched, "js-04-in-flight");
      answer();
      await page.locator("#otp[aria-invalid=true]").waitFor();
      await page.unroute("**/verify-2fa");
      expect(await page.getByRole("alert").textContent()).toContain("not right");
      const button = page.getByRole("button", { name: "Turn on two-factor sign-in" });
      expect([await button.getAttribute("aria-busy"), await button.isEnabled()]).toEqual([null, true]);
      await page.locator("#otp:focus").waitFor({ timeout: 2000 });
      await checkState(page, watched, "js-05-wrong-code");

      // Pasted with a space, as apps often show it.
      const code = totp.generate();
      await page.getByLabel("6-digit code").fill(`${code.slice(0, 3)} ${code.slice(3)}`);
      await page.getByRole("button", { name: "Turn on two-factor sign-in" }).click();
      await page.locator(".code-list").waitFor();
      expect(await marker()).toBe("still here");
      expect(await page.locator(".code-list li").count()).toBe(10);
      await checkState(page, watched, "js-06-recovery-codes");

      await page.getByRole("link", { name: "I've saved them: continue" }).click();
      await page.getByRole("heading", { name: `Welcome, ${username}!` }).waitFor();
      // The home page is the host's whole document: reached by a full navigation, never swapped in.
      expect(await marker()).toBeUndefined();
      await page.evaluate(() => Object.assign(window, { journeyMarker: "still here" }));
      await checkState(page, watched, "js-07-home");

      await page.getByRole("link", { name: "Security settings" }).click();
      await page.locator("#sessions").waitFor();
      await checkState(page, watched, "js-08-account");
      // A panel's form swaps only that panel, the log beside it out of band.
      const eventsBefore = await page.locator("#security-log li").count();
      watched.expectRefusal(422, "/account/recovery-codes");
      await page.locator("#regenerate-otp").fill(wrongCode(totp));
      await page.getByRole("button", { name: "Make new recovery codes" }).click();
      await page.locator("#regenerate-otp[aria-invalid=true]").waitFor();
      await page.locator("#regenerate-otp:focus").waitFor({ timeout: 2000 });
      expect(await page.locator("#security-log li").count()).toBe(eventsBefore + 1);
      expect(await marker()).toBe("still here");
      await checkState(page, watched, "js-08b-account-wrong-code");
      await page.getByRole("link", { name: "Back to home" }).click();
      await page.getByRole("heading", { name: `Welcome, ${username}!` }).waitFor();
      await page.evaluate(() => Object.assign(window, { journeyMarker: "still here" }));

      await page.getByRole("button", { name: "Sign out" }).click();
      await page.getByRole("heading", { name: "Sign in" }).waitFor();
      await checkState(page, watched, "js-09-signed-out");

      await page.getByLabel("Username").fill(username);
      await page.getByLabel("Password").fill(PASSWORD);
      await page.getByRole("button", { name: "Continue" }).click();
      await page.getByLabel("6-digit code").waitFor();
      await checkState(page, watched, "js-10-sign-in-code");
      // The code that turned 2FA on is spent: the next one, which the ±1 window accepts.
      await page.getByLabel("6-digit code").fill(totp.generate({ timestamp: Date.now() + 30_000 }));
      // Signing out and in again were swaps in place; the home page after them is a full navigation.
      expect(await marker()).toBe("still here");
      await page.getByRole("button", { name: "Verify" }).click();
      await page.getByRole("heading", { name: `Welcome, ${username}!` }).waitFor();
      expect(await marker()).toBeUndefined();
      await checkState(page, watched, "js-11-signed-in");
      await watched.context.close();
    },
    JOURNEY_MS,
  );
});

describe("with JavaScript off, every step is a form post and a redirect", () => {
  test(
    "register, scan, a wrong code, the right one, sign out, sign in",
    async () => {
      const watched = await watchedContext(suite.browser, { javaScriptEnabled: false });
      const page = await watched.context.newPage();
      const username = `nojs${Date.now() % 1_000_000}`;

      await page.goto(`${suite.origin}/register`);
      await checkState(page, watched, "nojs-01-register");
      await register(page, username);
      await page.waitForURL("**/setup-2fa");
      await checkState(page, watched, "nojs-02-setup");
      // Without JavaScript there is nothing to copy with: no dead button.
      expect(await page.getByRole("button", { name: "Copy key" }).count()).toBe(0);
      const { totp } = await scanQrCode(page);

      await page.getByRole("link", { name: "I've scanned it" }).click();
      await page.waitForURL("**/verify-2fa");
      await checkState(page, watched, "nojs-03-code");

      watched.expectRefusal(422, "/verify-2fa");
      await page.getByLabel("6-digit code").fill(wrongCode(totp));
      await page.getByRole("button", { name: "Turn on two-factor sign-in" }).click();
      await page.locator("#otp[aria-invalid=true]").waitFor();
      await checkState(page, watched, "nojs-04-wrong-code");

      await page.getByLabel("6-digit code").fill(totp.generate());
      await page.getByRole("button", { name: "Turn on two-factor sign-in" }).click();
      await page.locator(".code-list").waitFor();
      await checkState(page, watched, "nojs-05-recovery-codes");

      await page.getByRole("link", { name: "I've saved them: continue" }).click();
      await page.getByRole("heading", { name: `Welcome, ${username}!` }).waitFor();
      await checkState(page, watched, "nojs-06-home");

      await page.getByRole("button", { name: "Sign out" }).click();
      await page.waitForURL("**/login");
      await checkState(page, watched, "nojs-07-signed-out");

      await page.getByLabel("Username").fill(username);
      await page.getByLabel("Password").fill(PASSWORD);
      await page.getByRole("button", { name: "Continue" }).click();
      await page.waitForURL("**/verify-2fa");
      await page.getByLabel("6-digit code").fill(totp.generate({ timestamp: Date.now() + 30_000 }));
      await page.getByRole("button", { name: "Verify" }).click();
      await page.getByRole("heading", { name: `Welcome, ${username}!` }).waitFor();
      await checkState(page, watched, "nojs-08-signed-in");
      await watched.context.close();
    },
    JOURNEY_MS,
  );
});

describe("small screens and dark mode", () => {
  test(
    "at 320 px in dark mode, nothing scrolls sideways and contrast passes",
    async () => {
      const watched = await watchedContext(suite.browser, {
        javaScriptEnabled: true,
        viewport: { width: 320, height: 700 },
        colorScheme: "dark",
      });
      const page = await watched.context.newPage();
      const fitsWidth = () => page.evaluate(() => document.documentElement.scrollWidth);
      await page.goto(`${suite.origin}/login`);
      expect(await fitsWidth()).toBeLessThanOrEqual(320);
      await checkState(page, watched, "narrow-dark-01-login");
      await page.goto(`${suite.origin}/register`);
      await register(page, `dark${Date.now() % 1_000_000}`);
      await page.locator(".qr img").waitFor();
      expect(await fitsWidth()).toBeLessThanOrEqual(320);
      await checkState(page, watched, "narrow-dark-02-setup");
      const { totp } = await scanQrCode(page);
      await page.getByRole("link", { name: "I've scanned it" }).click();
      await page.getByLabel("6-digit code").fill(totp.generate());
      await page.getByRole("button", { name: "Turn on two-factor sign-in" }).click();
      await page.locator(".code-list").waitFor();
      expect(await fitsWidth()).toBeLessThanOrEqual(320);
      await checkState(page, watched, "narrow-dark-03-recovery-codes");
      await page.getByRole("link", { name: "I've saved them: continue" }).click();
      await page.getByRole("link", { name: "Security settings" }).click();
      await page.locator("#sessions").waitFor();
      expect(await fitsWidth()).toBeLessThanOrEqual(320);
      await checkState(page, watched, "narrow-dark-04-account");
      await watched.context.close();
    },
    JOURNEY_MS,
  );
});
