import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { codeAt } from "../src/auth/factors/totp";
import { Browser, dom, GOOD_PASSWORD, readKey, register, type TestApp, testApp } from "./helpers";

let t: TestApp;
beforeEach(async () => {
  t = await testApp();
});
afterEach(() => t.close());

describe("the journey without JavaScript: plain form posts and 303 redirects", () => {
  test("register, enroll, turn 2FA on, sign out, sign back in", async () => {
    const browser = new Browser(t.app);

    const registerPage = await dom(await browser.get("/register"));
    expect(registerPage.querySelector("form[method=post][action='/register']")).not.toBeNull();
    for (const field of ["username", "password", "confirm"]) {
      expect(registerPage.querySelector(`label[for=${field}]`)).not.toBeNull();
    }

    const registered = await browser.post("/register", {
      username: "Alice",
      password: GOOD_PASSWORD,
      confirm: GOOD_PASSWORD,
    });
    expect(registered.status).toBe(303);
    expect(registered.headers.get("location")).toBe("/setup-2fa");

    // The setup page: the QR code of a standard otpauth URI, and the key as text in groups of four.
    const setup = await dom(await browser.get("/setup-2fa"));
    const qr = setup.querySelector(".qr img");
    expect(qr?.getAttribute("src")).toStartWith("data:image/svg+xml;base64,");
    expect(qr?.getAttribute("alt")).toContain("QR code");
    const groupedKey = setup.querySelector(".totp-key")?.textContent ?? "";
    expect(groupedKey).toMatch(/^([A-Z2-7]{4} ){7}[A-Z2-7]{4}$/);
    const key = groupedKey.replaceAll(" ", "");
    expect(setup.querySelector("button[data-copy]")?.getAttribute("data-copy")).toBe(key);
    expect(setup.querySelector("a[href='/verify-2fa']")?.textContent).toBe("I've scanned it");

    const codePage = await dom(await browser.get("/verify-2fa"));
    expect(codePage.querySelector("a[href='/setup-2fa']")?.textContent).toBe("Show the QR code again");

    const wrong = await browser.post("/verify-2fa", {
      otp: "000000" === codeAt(key, t.clock.now) ? "111111" : "000000",
    });
    expect(wrong.status).toBe(422);
    const wrongPage = await dom(wrong);
    const otp = wrongPage.querySelector("input[name=otp]");
    expect(otp?.getAttribute("aria-invalid")).toBe("true");
    expect(otp?.hasAttribute("autofocus")).toBe(true);
    expect(otp?.getAttribute("value")).toBeNull();
    expect(wrongPage.querySelector(`#${otp?.getAttribute("aria-describedby")}`)?.textContent).toContain("not right");

    // The right code turns 2FA on and shows the recovery codes, this once.
    const right = await browser.post("/verify-2fa", { otp: codeAt(key, t.clock.now) });
    expect(right.status).toBe(200);
    const codesPage = await dom(right);
    expect(codesPage.querySelector("h1")?.textContent).toBe("Two-factor sign-in is on");
    expect(codesPage.querySelectorAll(".code-list code")).toHaveLength(10);
    expect(codesPage.querySelector("main a[href='/']")?.textContent).toContain("continue");
    const home = await dom(await browser.get("/"));
    expect(home.querySelector("h1")?.textContent).toBe("Welcome, Alice!");
    expect(home.querySelector(".notice")?.textContent).toContain("10 recovery codes left");

    const signedOut = await browser.post("/logout", {});
    expect(signedOut.status).toBe(303);
    expect(signedOut.headers.get("location")).toBe("/login");
    expect((await browser.get("/")).headers.get("location")).toBe("/login");

    await browser.get("/login");
    const password = await browser.post("/login", { username: "alice", password: GOOD_PASSWORD });
    expect(password.status).toBe(303);
    expect(password.headers.get("location")).toBe("/verify-2fa");
    const codeStep = await dom(await browser.get("/verify-2fa"));
    expect(codeStep.querySelector("a[href='/setup-2fa']")).toBeNull();

    t.clock.now += 60_000;
    const code = await browser.post("/verify-2fa", { otp: codeAt(key, t.clock.now) });
    expect(code.headers.get("location")).toBe("/");
    expect((await dom(await browser.get("/"))).querySelector("h1")?.textContent).toBe("Welcome, Alice!");
  });

  test("signing in before enrollment finished goes back to the QR code", async () => {
    const browser = new Browser(t.app);
    await register(browser, "bob");
    await browser.post("/logout", {});
    await browser.get("/login");
    const response = await browser.post("/login", { username: "bob", password: GOOD_PASSWORD });
    expect(response.headers.get("location")).toBe("/setup-2fa");
    expect((await browser.get("/setup-2fa")).status).toBe(200);
  });

  test("the key stays the same across visits until 2FA is on, then is never shown again", async () => {
    const browser = new Browser(t.app);
    await register(browser, "carol");
    const key = await readKey(browser);
    expect(await readKey(browser)).toBe(key);
    await browser.post("/verify-2fa", { otp: codeAt(key, t.clock.now) });
    expect((await browser.get("/")).status).toBe(200);

    const setup = await browser.get("/setup-2fa");
    expect(setup.status).toBe(303);
    expect(setup.headers.get("location")).toBe("/");
    expect(await setup.text()).not.toContain(key);
  });
});

describe("the journey with htmx: fragments swapped in place", () => {
  test("every step answers with a fragment and moves on with HX-Location", async () => {
    const browser = new Browser(t.app);
    const registerFragment = await browser.get("/register", { htmx: true });
    expect(registerFragment.status).toBe(200);
    expect(registerFragment.headers.get("vary")).toContain("HX-Request");
    const registerHtml = await registerFragment.text();
    expect(registerHtml).not.toContain("<html");
    expect(registerHtml).toStartWith("<title>Create your account");

    const registered = await browser.post(
      "/register",
      { username: "dora", password: GOOD_PASSWORD, confirm: GOOD_PASSWORD },
      { htmx: true },
    );
    expect(registered.status).toBe(200);
    expect(JSON.parse(registered.headers.get("hx-location") ?? "{}")).toEqual({ path: "/setup-2fa", target: "#main" });

    // "I've scanned it" and "Show the QR code again" swap #main in place, keeping the address bar in step.
    const setup = await dom(await browser.get("/setup-2fa", { htmx: true }));
    const scanned = setup.querySelector("a[href='/verify-2fa']");
    expect(scanned?.getAttribute("hx-get")).toBe("/verify-2fa");
    expect(scanned?.getAttribute("hx-target")).toBe("#main");
    expect(scanned?.getAttribute("hx-push-url")).toBe("true");
    const key = setup.querySelector(".totp-key")?.textContent?.replaceAll(" ", "") ?? "";

    const codeFormResponse = await browser.get("/verify-2fa", { htmx: true });
    expect(await codeFormResponse.clone().text()).not.toMatch(/<html|<header/);
    const codeForm = await dom(codeFormResponse);
    const form = codeForm.querySelector("form");
    expect(form?.getAttribute("hx-post")).toBe("/verify-2fa");
    expect(form?.getAttribute("hx-target")).toBe("#main");
    expect(codeForm.querySelector("a[href='/setup-2fa']")?.getAttribute("hx-get")).toBe("/setup-2fa");

    const wrong = await browser.post("/verify-2fa", { otp: "12345" }, { htmx: true });
    expect(wrong.status).toBe(422);
    const wrongHtml = await wrong.text();
    expect(wrongHtml).not.toContain("<html");
    expect(wrongHtml).toContain("Enter the 6-digit code");

    const right = await browser.post("/verify-2fa", { otp: codeAt(key, t.clock.now) }, { htmx: true });
    expect(right.status).toBe(200);
    const codesHtml = await right.text();
    expect(codesHtml).not.toContain("<html");
    expect(codesHtml).toContain("Save your recovery codes");
    const home = await dom(await browser.get("/", { htmx: true }));
    expect(home.querySelector("h1")?.textContent).toBe("Welcome, dora!");
  });

  test("boosted and history-restore requests get whole pages", async () => {
    const browser = new Browser(t.app);
    for (const header of ["hx-boosted", "hx-history-restore-request"]) {
      const response = await browser.get("/login", { htmx: true, headers: { [header]: "true" } });
      expect(await response.text()).toStartWith("<!doctype html><html");
    }
  });
});
