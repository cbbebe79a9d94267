// What the WebAuthn suites share: options fetched as the script fetches them, and soft
// authenticators answering them.

import { expect } from "bun:test";
import { eq } from "drizzle-orm";
import { codeAt } from "../src/auth/factors/totp";
import { SoftAuthenticator } from "./authenticator";
import { type Browser, dom, ORIGIN, register, type TestApp } from "./helpers";

export type Json = Record<string, unknown>;
export const options = async (browser: Browser, path: string, fields: Record<string, string> = {}) => {
  const response = await browser.post(path, fields);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toStartWith("application/json");
  expect(response.headers.get("cache-control")).toBe("no-store");
  return (await response.json()) as Json;
};

/** Registers and turns 2FA on with a passkey alone, as /setup-2fa offers; the browser ends up signed in. */
export async function enrollWithPasskey(browser: Browser, username: string, authenticator = passkey()) {
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

export const passkey = () => new SoftAuthenticator({ origin: ORIGIN });
export const securityKey = () => new SoftAuthenticator({ origin: ORIGIN, userVerified: false, residentKey: false });

/** Passwordless: the login page's options, answered by `authenticator` with `overrides`. */
export async function passkeySignIn(browser: Browser, authenticator: SoftAuthenticator, overrides = {}) {
  await browser.get("/login");
  const request = await options(browser, "/login/passkey/options");
  return browser.post("/login/passkey", { credential: await authenticator.authenticate(request, overrides) });
}

export async function signedInPage(browser: Browser) {
  return (await browser.get("/")).status === 200;
}

export const credentialsOf = (t: TestApp, userId: number) =>
  t.db.select().from(t.tables.webauthnCredentials).where(eq(t.tables.webauthnCredentials.userId, userId));
export const userNamed = async (t: TestApp, username: string) => {
  const [user] = await t.db.select().from(t.tables.users).where(eq(t.tables.users.usernameKey, username));
  if (!user) throw new Error(`no user ${username}`);
  return user;
};

/** Adds a security key on /account with a code from the app as the proof. */
export async function addSecurityKey(
  t: TestApp,
  browser: Browser,
  key: string,
  name = "Blue key",
  authenticator = securityKey(),
) {
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
