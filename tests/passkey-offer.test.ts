import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { Elysia } from "elysia";
import { codeAt } from "../src/auth/factors/totp";
import { twoFactorAuth } from "../src/index";
import { signedInUser } from "./account-setup";
import { authOptionsOn, Browser, dom, enroll, GOOD_PASSWORD, signIn, type TestApp, testApp } from "./helpers";
import { credentialsOf, enrollWithPasskey, type Json, options, passkey, userNamed } from "./webauthn-setup";

const MINUTE = 60_000;
const GOOGLE_PASSWORD_MANAGER = "ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4";

let t: TestApp;
beforeEach(async () => {
  t = await testApp();
});
afterEach(() => t.close());

/** The offer on the landing page, or null. */
const offerOn = async (browser: Browser) => (await dom(await browser.get("/"))).querySelector("#passkey-offer");

/** The password manager's answer, unasked: no dialog, so neither presence nor verification. */
async function automatic(browser: Browser, aaguid?: string) {
  const creation = await options(browser, "/account/passkey-offer/options", { mode: "automatic" });
  const credential = await passkey().register(creation, { userPresent: false, userVerified: false, aaguid });
  return {
    creation,
    answer: browser.post("/account/passkey-offer", { mode: "automatic", credential }, { htmx: true }),
  };
}

describe("the passkey offer after a sign-in", () => {
  test("follows a sign-in with the password and a code, for a few minutes, with Not now and Don't ask again", async () => {
    const { browser } = await signedInUser(t, "alice");
    const offer = await offerOn(browser);
    expect(offer?.textContent).toContain("Sign in faster next time: add a passkey.");
    expect(offer?.querySelector("form[data-webauthn-auto-register]")?.getAttribute("data-webauthn-options")).toBe(
      "/account/passkey-offer/options",
    );
    expect([...(offer?.querySelectorAll("button") ?? [])].map((button) => button.textContent?.trim())).toEqual([
      "Add a passkey",
      "Not now",
      "Don't ask again",
    ]);
    t.clock.now += 5 * MINUTE;
    expect(await offerOn(browser)).toBeNull();
    // And its options are refused once it is gone.
    const late = await browser.post("/account/passkey-offer/options", { mode: "automatic" });
    expect(late.status).toBe(422);
  });

  test("made by the password manager unasked: named from its AAGUID, listed and logged as added automatically, told", async () => {
    const { browser } = await signedInUser(t, "bob");
    await offerOn(browser);
    const { creation, answer } = await automatic(browser, GOOGLE_PASSWORD_MANAGER);
    expect((creation.authenticatorSelection as Json).userVerification).toBe("preferred");
    const added = await answer;
    expect(added.status).toBe(200);
    expect((await dom(added)).querySelector("[role=status]")?.textContent).toBe(
      "Passkey added (“Google Password Manager”). Next time, sign in with it: no password needed.",
    );
    const [stored] = await credentialsOf(t, (await userNamed(t, "bob")).id);
    expect(stored).toMatchObject({ kind: "passkey", name: "Google Password Manager", addedAutomatically: true });
    const page = await dom(await browser.get("/account"));
    expect(page.querySelector("#passkeys")?.textContent).toContain("added automatically");
    expect(page.querySelector("#security-log")?.textContent).toContain(
      "Passkey added automatically after a sign-in: “Google Password Manager”",
    );
    await Bun.sleep(5);
    expect(t.notices.at(-1)?.event).toBe("credential_added");
    // With a passkey now, no more offers.
    expect(await offerOn(browser)).toBeNull();
  });

  test("without a name from the authenticator, it is named after the browser", async () => {
    const { browser } = await signedInUser(t, "carol");
    await offerOn(browser);
    const added = await (await automatic(browser)).answer;
    expect(await added.text()).toContain("Passkey added (“Firefox on Windows”)");
  });

  test("no presence is accepted only for the offer's own options: never for adding one otherwise, and not late", async () => {
    const { browser, key } = await signedInUser(t, "dave");
    await browser.get("/account");
    // The account's own add, answered unasked: refused.
    const creation = await options(browser, "/account/credentials/options", { kind: "passkey" });
    const unasked = await passkey().register(creation, { userPresent: false });
    const refused = await browser.post("/account/credentials", {
      kind: "passkey",
      name: "",
      credential: unasked,
      otp: codeAt(key, t.clock.now),
    });
    expect(refused.status).toBe(422);
    // The offer's dialog: presence required as ever.
    const dialog = await options(browser, "/account/passkey-offer/options", { mode: "dialog" });
    const noPresence = await passkey().register(dialog, { userPresent: false });
    const dialogAnswer = await browser.post(
      "/account/passkey-offer",
      { mode: "dialog", credential: noPresence },
      { htmx: true },
    );
    expect(dialogAnswer.status).toBe(422);
    expect((await dom(dialogAnswer)).querySelector("#passkey-offer")?.textContent).toContain("could not be verified");
    // Options of the offer, answered after its window (their challenge still good): refused.
    t.clock.now += 4 * MINUTE;
    const automaticOptions = await options(browser, "/account/passkey-offer/options", { mode: "automatic" });
    t.clock.now += 1.5 * MINUTE;
    const late = await browser.post("/account/passkey-offer", {
      mode: "automatic",
      credential: await passkey().register(automaticOptions, { userPresent: false }),
    });
    expect(late.status).toBe(303);
    expect(await credentialsOf(t, (await userNamed(t, "dave")).id)).toHaveLength(0);
  });

  test("the offer's options answered in another session are refused", async () => {
    const { browser, key } = await signedInUser(t, "erin");
    const other = new Browser(t.app);
    await signIn(other, t, "erin", key);
    const creation = await options(browser, "/account/passkey-offer/options", { mode: "automatic" });
    await offerOn(other);
    const stolen = await other.post(
      "/account/passkey-offer",
      { mode: "automatic", credential: await passkey().register(creation, { userPresent: false }) },
      { htmx: true },
    );
    expect(stolen.status).toBe(422);
    expect(await credentialsOf(t, (await userNamed(t, "erin")).id)).toHaveLength(0);
  });

  test("Not now puts it off for 14 days; Don't ask again for good", async () => {
    const { browser, key } = await signedInUser(t, "frank");
    await offerOn(browser);
    const later = await browser.post("/account/passkey-offer/later", {}, { htmx: true });
    expect(later.status).toBe(200);
    expect(await later.text()).toBe("");
    expect(await offerOn(browser)).toBeNull();
    /** A new sign-in with both factors, on a browser of its own, after `days`. */
    const signInAfter = async (days: number) => {
      t.clock.now += days * 24 * 60 * MINUTE;
      const fresh = new Browser(t.app);
      await signIn(fresh, t, "frank", key);
      return fresh;
    };
    expect(await offerOn(await signInAfter(13))).toBeNull();
    const afterTwoWeeks = await signInAfter(2);
    expect(await offerOn(afterTwoWeeks)).not.toBeNull();
    // Without JavaScript: back to the page, without the offer.
    const never = await afterTwoWeeks.post("/account/passkey-offer/never", {});
    expect(never.headers.get("location")).toBe("/");
    expect(await offerOn(await signInAfter(60))).toBeNull();
  });

  test("is not made after a sign-in without both factors, nor to an account with a passkey", async () => {
    const { key } = await signedInUser(t, "gina");
    const trusted = new Browser(t.app);
    await signIn(trusted, t, "gina", key, { remember: true });
    await trusted.get("/account");
    await trusted.post("/logout", {});
    await trusted.get("/login");
    await trusted.postAndFollow("/login", { username: "gina", password: GOOD_PASSWORD });
    expect(await offerOn(trusted)).toBeNull();

    const hasOne = new Browser(t.app);
    await enrollWithPasskey(hasOne, "hank");
    expect(await offerOn(hasOne)).toBeNull();
  });

  test("a host can turn it off: no offer, and its routes are not there", async () => {
    const app = new Elysia()
      .use(twoFactorAuth(authOptionsOn(t, { passkeyUpgrade: false })))
      .get("/", async ({ request, twoFactor }) => `home${await twoFactor.passkeyOffer(request)}`, { signedIn: true });
    const browser = new Browser(app);
    await enroll(browser, { app, clock: t.clock }, "ivy");
    expect(await (await browser.get("/")).text()).toBe("home");
    await browser.get("/account");
    expect((await browser.post("/account/passkey-offer/options", { mode: "automatic" })).status).toBe(404);
  });
});
