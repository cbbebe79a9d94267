import { afterEach, describe, expect, spyOn, test } from "bun:test";
import { codeAt } from "../src/auth/factors/totp";
import { homeOf, signedInUser } from "./account-setup";
import { Browser, dom, noteOf, type TestApp, testApp } from "./helpers";
import { smtpSink } from "./smtp-sink";

const FIVE_MINUTES = 5 * 60_000 + 1000;

let t: TestApp;
let sink: ReturnType<typeof smtpSink> | undefined;
afterEach(async () => {
  sink?.stop();
  sink = undefined;
  await t.close();
});

/** The demo app with SMTP_URL at a real SMTP server of the test's own. */
async function withMail(options: { refuse?: boolean } = {}) {
  sink = smtpSink(options);
  t = await testApp({ SMTP_URL: sink.url, MAIL_FROM: "alerts@app.test" });
  return sink;
}

/** The link in a confirmation email, as a path. */
const linkIn = (text: string) => new URL(/http\S+/.exec(text)?.[0] ?? "").pathname;

describe("an email for security notices", () => {
  test("without SMTP_URL there is no such panel, and its form is not there", async () => {
    t = await testApp();
    const { browser, key } = await signedInUser(t, "alice");
    expect((await dom(await browser.get("/account"))).querySelector("#notice-email")).toBeNull();
    const post = await browser.post("/account/notice-email", { email: "a@example.com", otp: codeAt(key, t.clock.now) });
    expect(post.status).toBe(404);
  });

  test("is confirmed by a link sent to it over SMTP; then every notice goes there too, with its link", async () => {
    const mail = await withMail();
    const { browser, key } = await signedInUser(t, "bob");
    t.clock.now += FIVE_MINUTES;
    const page = await dom(await browser.get("/account"));
    expect(page.querySelector("#notice-email h2")?.textContent).toBe("Email for security notices");
    // A session's word alone cannot send the notices elsewhere: it takes a factor.
    const bare = await browser.post("/account/notice-email", { email: "bob@example.com", otp: "" }, { htmx: true });
    expect(bare.status).toBe(422);
    expect(mail.received).toEqual([]);

    const asked = await browser.post(
      "/account/notice-email",
      { email: " bob@example.com ", otp: codeAt(key, t.clock.now) },
      { htmx: true },
    );
    expect(asked.status).toBe(200);
    expect((await dom(asked)).querySelector("[role=status]")?.textContent).toBe(
      "We sent a link to bob@example.com. Open it to confirm the address.",
    );
    const confirmation = await mail.nth(1);
    expect(confirmation).toMatchObject({
      from: "alerts@app.test",
      to: ["bob@example.com"],
      subject: "Two-Factor Auth: confirm your email for security notices",
    });
    expect(confirmation.text).toContain("Someone signed in as bob asked for security notices");
    const link = linkIn(confirmation.text);
    expect(link).toMatch(/^\/confirm-email\/\d+\.\d+\.[A-Za-z0-9_-]{43}$/);
    // Not yet confirmed: a notice goes to the host, not to the address.
    t.clock.now += 30_000;
    await browser.post("/account/recovery-codes", { otp: codeAt(key, t.clock.now) });
    await Bun.sleep(20);
    expect(mail.received).toHaveLength(1);
    expect(t.notices.at(-1)?.email).toBeNull();

    // Opened on a phone, not signed in: looking changes nothing, the button confirms.
    const phone = new Browser(t.app);
    const ask = await dom(await phone.get(link));
    expect(ask.querySelector("main")?.textContent).toContain(
      "Send security notices of this account to bob@example.com?",
    );
    expect((await dom(await browser.get("/account"))).querySelector("#notice-email")?.textContent).toContain(
      "Waiting for you to open the link",
    );
    const confirmed = await phone.post(link, {});
    expect(confirmed.status).toBe(200);
    expect(await confirmed.text()).toContain("Security notices go to bob@example.com from now on.");
    expect((await phone.post(link, {})).status).toBe(410);
    expect((await dom(await browser.get("/account"))).querySelector("#notice-email")?.textContent).toContain(
      "Security notices go to bob@example.com.",
    );

    t.clock.now += 30_000;
    await browser.post("/account/recovery-codes", { otp: codeAt(key, t.clock.now) });
    const notice = await mail.nth(2);
    expect(notice.to).toEqual(["bob@example.com"]);
    expect(notice.subject).toBe("Two-Factor Auth: New recovery codes made; the old ones stopped working");
    expect(notice.text).toContain("Browser: Firefox on Windows");
    const repudiate = t.notices.at(-1);
    expect(repudiate?.email).toBe("bob@example.com");
    expect(notice.text).toContain(repudiate?.repudiateUrl ?? "none");
    // Its link works as the host's does.
    const secured = await phone.post(new URL(repudiate?.repudiateUrl ?? "").pathname, {});
    expect(secured.status).toBe(200);
    expect(await homeOf(browser)).toBe("/login");
  });

  test("an address with a line break, a list, or no domain is refused, and nothing is sent", async () => {
    const mail = await withMail();
    const { browser, key } = await signedInUser(t, "carol");
    for (const email of [
      "carol@example.com\r\nBcc: all@example.com",
      "carol@example.com, eve@example.com",
      "carol",
      "carol@localhost",
      "<carol@example.com>",
      `${"c".repeat(250)}@example.com`,
    ]) {
      const refused = await browser.post(
        "/account/notice-email",
        { email, otp: codeAt(key, t.clock.now) },
        { htmx: true },
      );
      expect({ email, status: refused.status }).toEqual({ email, status: 422 });
      expect(noteOf(await dom(refused), "notice-email-address")).toBe(
        "Enter one email address, such as you@example.com.",
      );
    }
    await Bun.sleep(20);
    expect(mail.received).toEqual([]);
  });

  test("a link for an address since replaced, or a day old, does not confirm", async () => {
    const mail = await withMail();
    const { browser, key } = await signedInUser(t, "dave");
    await browser.post("/account/notice-email", { email: "old@example.com", otp: codeAt(key, t.clock.now) });
    const oldLink = linkIn((await mail.nth(1)).text);
    t.clock.now += 30_000;
    await browser.post("/account/notice-email", { email: "new@example.com", otp: codeAt(key, t.clock.now) });
    const newLink = linkIn((await mail.nth(2)).text);
    const stranger = new Browser(t.app);
    await stranger.get("/login");
    expect((await stranger.post(oldLink, {})).status).toBe(404);
    t.clock.now += 24 * 60 * 60_000 + 1000;
    const late = await stranger.post(newLink, {});
    expect(late.status).toBe(410);
    expect(await late.text()).toContain("This link has expired");
  });

  test("a mail server that refuses: the person is told, the error is logged, and notices never fail a request", async () => {
    const logged: string[] = [];
    const silenced = spyOn(console, "error").mockImplementation((line: string) => void logged.push(line));
    try {
      await withMail({ refuse: true });
      const { browser, key } = await signedInUser(t, "erin");
      const refused = await browser.post(
        "/account/notice-email",
        { email: "erin@example.com", otp: codeAt(key, t.clock.now) },
        { htmx: true },
      );
      expect(refused.status).toBe(503);
      expect(await refused.text()).toContain("could not be sent");
      expect(logged.join("\n")).toContain("sending a confirmation email failed with");
      expect(logged.join("\n")).not.toContain("erin@example.com");
    } finally {
      silenced.mockRestore();
    }
  });

  test("stopping the notices takes a factor too, and then nothing more is sent", async () => {
    const mail = await withMail();
    const { browser, key } = await signedInUser(t, "frank");
    await browser.post("/account/notice-email", { email: "frank@example.com", otp: codeAt(key, t.clock.now) });
    const phone = new Browser(t.app);
    const link = linkIn((await mail.nth(1)).text);
    await phone.get(link);
    await phone.post(link, {});
    t.clock.now += FIVE_MINUTES;
    expect((await browser.post("/account/notice-email/remove", { otp: "" })).status).toBe(422);
    const removed = await browser.post(
      "/account/notice-email/remove",
      { otp: codeAt(key, t.clock.now) },
      { htmx: true },
    );
    expect((await dom(removed)).querySelector("[role=status]")?.textContent).toBe(
      "Security notices are no longer emailed.",
    );
    t.clock.now += 30_000;
    await browser.post("/account/recovery-codes", { otp: codeAt(key, t.clock.now) });
    await Bun.sleep(20);
    expect(mail.received).toHaveLength(1);
    const log = (await dom(await browser.get("/account"))).querySelector("#security-log")?.textContent ?? "";
    expect(log).toContain("Email for security notices confirmed");
    expect(log).toContain("Email for security notices removed");
  });
});
