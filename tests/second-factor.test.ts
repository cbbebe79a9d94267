import { afterEach, beforeEach, describe, expect, spyOn, test } from "bun:test";
import { eq } from "drizzle-orm";
import { secretBox } from "../src/auth/encryption";
import { codeAt } from "../src/auth/factors/totp";
import { createApp } from "../src/demo/app";
import { loadConfig } from "../src/demo/config";
import {
  Browser,
  dom,
  enroll,
  register,
  signInWithPassword,
  TEST_SECRET,
  type TestApp,
  testApp,
  wrongCodeAt,
} from "./helpers";

let t: TestApp;
beforeEach(async () => {
  t = await testApp();
});
afterEach(() => t.close());

async function eventTypes(): Promise<string[]> {
  return (await t.db.select().from(t.tables.securityEvents)).map((event) => event.type);
}

async function fieldError(response: Response): Promise<string> {
  const page = await dom(response);
  const input = page.querySelector("input[name=otp]");
  return page.querySelector(`#${input?.getAttribute("aria-describedby")}`)?.textContent ?? "";
}

describe("codes work once", () => {
  test("a code is refused when replayed in the same step and in the next", async () => {
    const { key } = await enroll(new Browser(t.app), t, "alice");
    const code = codeAt(key, t.clock.now);

    const first = new Browser(t.app);
    await signInWithPassword(first, "alice");
    expect((await first.post("/verify-2fa", { otp: code })).headers.get("location")).toBe("/");

    const sameStep = new Browser(t.app);
    await signInWithPassword(sameStep, "alice");
    const replay = await sameStep.post("/verify-2fa", { otp: code });
    expect(replay.status).toBe(422);
    expect(await fieldError(replay)).toContain("already used");

    t.clock.now += 30_000; // the code is still inside the ±1 window, one step later
    const nextStep = new Browser(t.app);
    await signInWithPassword(nextStep, "alice");
    expect((await nextStep.post("/verify-2fa", { otp: code })).status).toBe(422);
    expect((await eventTypes()).filter((type) => type === "replay_refused")).toHaveLength(2);

    // An older code than the last accepted one is refused too, even inside the window.
    expect((await nextStep.post("/verify-2fa", { otp: codeAt(key, t.clock.now - 60_000) })).status).toBe(422);
    expect((await nextStep.post("/verify-2fa", { otp: codeAt(key, t.clock.now) })).headers.get("location")).toBe("/");
  });

  test("two sessions submitting one code at the same moment: exactly one gets in", async () => {
    const { key } = await enroll(new Browser(t.app), t, "bob");
    const browsers = [new Browser(t.app), new Browser(t.app), new Browser(t.app)];
    for (const browser of browsers) await signInWithPassword(browser, "bob");
    const otp = codeAt(key, t.clock.now);
    const responses = await Promise.all(browsers.map((browser) => browser.post("/verify-2fa", { otp })));
    expect(responses.map((response) => response.status).sort()).toEqual([303, 422, 422]);
  });
});

describe("the code step, drawn once for each kind of visitor", () => {
  /** A passkey on record for the user, as a registration leaves it; `appToo` false leaves it the only factor. */
  async function addPasskey(username: string, appToo: boolean) {
    const { users, webauthnCredentials } = t.tables;
    const [user] = await t.db
      .update(users)
      .set({ webauthnUserId: `handle-${username}`, ...(appToo ? {} : { totpEnabledAt: null }) })
      .where(eq(users.username, username))
      .returning();
    await t.db.insert(webauthnCredentials).values({
      id: `credential-${username}`,
      userId: user?.id ?? -1,
      publicKey: "key",
      counter: 0,
      kind: "passkey",
      backupEligible: false,
      backedUp: false,
      name: "Laptop",
      createdAt: t.clock.now,
    });
  }

  test("shows each their own controls and their own CSRF token, asked in turn", async () => {
    const enrolling = new Browser(t.app);
    await register(enrolling, "erin");
    for (const name of ["abel", "bea", "cyd"]) await enroll(new Browser(t.app), t, name);
    await addPasskey("bea", true);
    await addPasskey("cyd", false);
    const verifying = { abel: new Browser(t.app), bea: new Browser(t.app), cyd: new Browser(t.app) };
    for (const [name, browser] of Object.entries(verifying)) await signInWithPassword(browser, name);

    const expected = [
      { browser: enrolling, code: true, passkey: false, recovery: false, enrolling: true },
      { browser: verifying.abel, code: true, passkey: false, recovery: false, enrolling: false },
      { browser: verifying.bea, code: true, passkey: true, recovery: false, enrolling: false },
      { browser: verifying.cyd, code: false, passkey: true, recovery: false, enrolling: false },
      { browser: verifying.bea, code: true, passkey: false, recovery: true, enrolling: false },
    ];
    // Each session's token, as its own first look at the step shows it: four different ones.
    for (const browser of [enrolling, ...Object.values(verifying)]) await browser.get("/verify-2fa");
    expect(new Set([enrolling, ...Object.values(verifying)].map((browser) => browser.csrfToken)).size).toBe(4);
    for (let round = 0; round < 2; round++) {
      for (const { browser, code, passkey, recovery, enrolling } of expected) {
        const sessionToken = browser.csrfToken;
        const page = await dom(
          await browser.get(recovery ? "/verify-2fa?recovery" : "/verify-2fa", { htmx: round === 1 }),
        );
        const seen = {
          code: page.querySelector("input[name=otp]") !== null,
          passkey: page.querySelector("[data-webauthn-start]") !== null,
          recovery: page.querySelector("input[name=otp]")?.getAttribute("maxlength") === "13",
          enrolling: (page.documentElement.textContent ?? "").includes("Step 3 of 3"),
        };
        expect(seen).toEqual({ code, passkey, recovery, enrolling });
        // The token on the page is this session's own: a post with it is judged, not refused as forged.
        const tokens = [...page.querySelectorAll("input[name=csrf]")].map((input) => input.getAttribute("value"));
        expect(new Set(tokens)).toEqual(new Set([sessionToken]));
        if (code) expect((await browser.post("/verify-2fa", { otp: "000000" })).status).not.toBe(403);
      }
    }
  });
});

describe("guessing is bounded", () => {
  test("after 5 wrong codes every attempt is refused, even the right one, with 429 and Retry-After", async () => {
    const { key } = await enroll(new Browser(t.app), t, "carol");
    const attacker = new Browser(t.app);
    await signInWithPassword(attacker, "carol");
    for (let i = 1; i <= 4; i++) {
      expect((await attacker.post("/verify-2fa", { otp: wrongCodeAt(key, t.clock.now) })).status).toBe(422);
    }
    const fifth = await attacker.post("/verify-2fa", { otp: wrongCodeAt(key, t.clock.now) });
    expect(fifth.status).toBe(429);
    expect(fifth.headers.get("retry-after")).toBe("60");
    expect(await fieldError(fifth)).toBe(
      "That code is not right. Check the time on your phone and try the newest code. Too many wrong codes. Try again in 60 seconds.",
    );

    const right = await attacker.post("/verify-2fa", { otp: codeAt(key, t.clock.now) }, { htmx: true });
    expect(right.status).toBe(429);
    const fragment = await right.text();
    expect(fragment).not.toContain("<html");
    expect(fragment).toContain("Too many wrong codes. Try again in 60 seconds.");
    expect(await eventTypes()).toContain("locked_out");

    t.clock.now += 60_000;
    const owner = new Browser(t.app);
    await signInWithPassword(owner, "carol");
    expect((await owner.post("/verify-2fa", { otp: codeAt(key, t.clock.now) })).headers.get("location")).toBe("/");
  });

  test("ten wrong codes sent at once: five are checked, the fifth locks, none slips past the count", async () => {
    const { key } = await enroll(new Browser(t.app), t, "dina");
    const attacker = new Browser(t.app);
    await signInWithPassword(attacker, "dina");
    // All wrong: where a right one would fall among parallel requests depends on the order the
    // database takes them in (PostgreSQL's pool has none); among the first five it may sign in.
    const guesses = Array.from({ length: 10 }, () => wrongCodeAt(key, t.clock.now));
    const responses = await Promise.all(guesses.map((otp) => attacker.post("/verify-2fa", { otp })));
    expect(responses.map((response) => response.status).sort()).toEqual([...Array(4).fill(422), ...Array(6).fill(429)]);
    const types = await eventTypes();
    expect(types.filter((type) => type === "code_failed")).toHaveLength(5);
    expect(types.filter((type) => type === "locked_out")).toHaveLength(1);
    // The right code, once they are answered, is refused unchecked: the lock holds.
    const right = await attacker.post("/verify-2fa", { otp: codeAt(key, t.clock.now) });
    expect(right.status).toBe(429);
    expect((await eventTypes()).filter((type) => type === "signed_in")).toHaveLength(1); // enrolling's, none since
  });

  test("each lockout doubles: 1 minute, 2, 4, 8", async () => {
    const { key } = await enroll(new Browser(t.app), t, "dave");
    const attacker = new Browser(t.app);
    const lockouts: string[] = [];
    for (let attempt = 1; attempt <= 8; attempt++) {
      await signInWithPassword(attacker, "dave");
      const response = await attacker.post("/verify-2fa", { otp: wrongCodeAt(key, t.clock.now) });
      const retryAfter = response.headers.get("retry-after");
      if (retryAfter) {
        lockouts.push(retryAfter);
        t.clock.now += Number(retryAfter) * 1000;
      }
    }
    expect(lockouts).toEqual(["60", "120", "240", "480"]);
  });

  test("a success resets the count", async () => {
    const { key } = await enroll(new Browser(t.app), t, "erin");
    const browser = new Browser(t.app);
    await signInWithPassword(browser, "erin");
    for (let i = 0; i < 4; i++) await browser.post("/verify-2fa", { otp: wrongCodeAt(key, t.clock.now) });
    const signedIn = await browser.postAndFollow("/verify-2fa", { otp: codeAt(key, t.clock.now) });
    expect(signedIn.headers.get("location")).toBe("/");
    await browser.post("/logout", {});
    t.clock.now += 30_000;
    await signInWithPassword(browser, "erin");
    for (let i = 0; i < 4; i++) {
      expect((await browser.post("/verify-2fa", { otp: wrongCodeAt(key, t.clock.now) })).status).toBe(422);
    }
  });

  test("an attacker with the password, guessing as fast as allowed for 365 days, gets at most 40 guesses", async () => {
    const year = await testApp({ IP_RATE_LIMIT: "0" }); // the account throttle alone must hold
    const { key } = await enroll(new Browser(year.app), year, "frank");
    const end = year.clock.now + 365 * 24 * 60 * 60_000;
    const attacker = new Browser(year.app);
    let guesses = 0;
    const guess = async () => {
      const response = await attacker.post("/verify-2fa", { otp: wrongCodeAt(key, year.clock.now) });
      if ((await fieldError(response)).startsWith("That code is not right")) guesses++;
      return Number(response.headers.get("retry-after") ?? 0);
    };
    while (year.clock.now < end) {
      if ((await attacker.get("/verify-2fa")).status !== 200) await signInWithPassword(attacker, "frank");
      const retryAfter = await guess();
      if (retryAfter > 0) {
        year.clock.now += 1000;
        await guess(); // an impatient retry, which the lockout must refuse unchecked
      }
      year.clock.now += Math.max(retryAfter * 1000, 1000);
    }
    const checked = (await year.db.select().from(year.tables.securityEvents)).filter(
      (event) => event.type === "code_failed",
    );
    console.info(
      `365 days of guessing: ${guesses} codes checked, success chance ${((guesses * 3) / 1e6).toExponential(2)}`,
    );
    expect(checked).toHaveLength(guesses);
    expect(guesses).toBeLessThanOrEqual(40);
    await year.close();
  }, 60_000);

  test("the next sign-in tells the owner how many codes failed since the last one", async () => {
    const { key } = await enroll(new Browser(t.app), t, "gina");
    const attacker = new Browser(t.app);
    await signInWithPassword(attacker, "gina");
    for (let i = 0; i < 3; i++) await attacker.post("/verify-2fa", { otp: wrongCodeAt(key, t.clock.now) });

    const owner = new Browser(t.app);
    await signInWithPassword(owner, "gina");
    await owner.post("/verify-2fa", { otp: codeAt(key, t.clock.now) });
    const home = await dom(await owner.get("/"));
    expect(home.querySelector(".warning")?.textContent).toContain("3 failed code attempts since your last sign-in");
  });

  describe("passwords", () => {
    test("5 wrong passwords lock the name, refusing even the right password, then it doubles", async () => {
      await enroll(new Browser(t.app), t, "hank");
      const attacker = new Browser(t.app);
      for (let i = 1; i <= 4; i++) expect((await signInWithPassword(attacker, "hank", `wrong ${i}`)).status).toBe(422);
      const fifth = await signInWithPassword(attacker, "hank", "wrong 5");
      expect(fifth.status).toBe(429);
      expect(fifth.headers.get("retry-after")).toBe("60");
      expect((await dom(fifth)).querySelector(".form-error")?.textContent).toBe(
        "Too many failed sign-ins for this username. Try again in 60 seconds.",
      );
      expect((await signInWithPassword(attacker, "hank")).status).toBe(429);
      t.clock.now += 60_000;
      expect((await signInWithPassword(attacker, "hank", "wrong 6")).headers.get("retry-after")).toBe("120");
      t.clock.now += 120_000;
      expect((await signInWithPassword(new Browser(t.app), "hank")).headers.get("location")).toBe("/verify-2fa");
    });

    test("the lock is on the name whatever its case: five wrong as alice, then the right one as ALICE, is 429", async () => {
      await enroll(new Browser(t.app), t, "alice");
      const attacker = new Browser(t.app);
      for (let i = 1; i <= 5; i++) await signInWithPassword(attacker, "alice", `wrong ${i}`);
      expect((await signInWithPassword(new Browser(t.app), "ALICE")).status).toBe(429);
    });

    test("an unknown name locks the same way, so lockouts do not reveal who has an account", async () => {
      await enroll(new Browser(t.app), t, "known");
      const answers: Record<string, (string | null)[]> = {};
      for (const name of ["known", "unknown"]) {
        const browser = new Browser(t.app);
        answers[name] = [];
        for (let i = 0; i < 6; i++) {
          const response = await signInWithPassword(browser, name, "wrong password");
          answers[name].push(`${response.status} ${response.headers.get("retry-after")}`);
        }
      }
      expect(answers.unknown).toEqual(answers.known ?? []);
    });
  });
});

describe("recovery codes", () => {
  test("ten codes of 50 bits, shown once, stored only as keyed hashes", async () => {
    const { recoveryCodes: codes } = await enroll(new Browser(t.app), t, "ivan");
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(/^[0-9a-hjkmnp-tv-z]{5}-[0-9a-hjkmnp-tv-z]{5}$/);
    const stored = JSON.stringify(await t.db.select().from(t.tables.recoveryCodes));
    for (const code of codes) {
      expect(stored).not.toContain(code);
      expect(stored).not.toContain(code.replace("-", ""));
    }
  });

  test("a code signs in once: with or without the dash, in any case; a second use is refused", async () => {
    const { recoveryCodes: codes } = await enroll(new Browser(t.app), t, "judy");
    const [first = "", second = ""] = codes;

    const browser = new Browser(t.app);
    await signInWithPassword(browser, "judy");
    const form = await dom(await browser.get("/verify-2fa?recovery"));
    expect(form.querySelector("label[for=otp]")?.textContent).toBe("Recovery code");
    expect(form.querySelector("input[name=otp]")?.hasAttribute("inputmode")).toBe(false);
    expect((await browser.post("/verify-2fa?recovery", { otp: first.toUpperCase() })).headers.get("location")).toBe(
      "/",
    );
    expect((await dom(await browser.get("/"))).querySelector(".notice")?.textContent).toContain(
      "You used a recovery code, 9 left.",
    );
    expect(await eventTypes()).toContain("recovery_code_used");
    const used = (await t.db.select().from(t.tables.securityEvents)).find(
      (event) => event.type === "recovery_code_used",
    );
    expect(JSON.parse(used?.detail ?? "{}")).toEqual({ left: 9 });

    await browser.post("/logout", {});
    await signInWithPassword(browser, "judy");
    const again = await browser.post("/verify-2fa?recovery", { otp: first });
    expect(again.status).toBe(422);
    expect(await fieldError(again)).toContain("not right");
    expect((await browser.post("/verify-2fa", { otp: ` ${second.replace("-", "")} ` })).headers.get("location")).toBe(
      "/",
    );
  });

  test("a code used by two sessions at once signs in only one", async () => {
    const { recoveryCodes: codes } = await enroll(new Browser(t.app), t, "kate");
    const browsers = [new Browser(t.app), new Browser(t.app), new Browser(t.app)];
    for (const browser of browsers) await signInWithPassword(browser, "kate");
    const responses = await Promise.all(
      browsers.map((browser) => browser.post("/verify-2fa", { otp: codes[0] ?? "" })),
    );
    expect(responses.map((response) => response.status).sort()).toEqual([303, 422, 422]);
  });

  test("a recovery code that loses a race to a code in the same session is not spent", async () => {
    const { key, recoveryCodes: codes } = await enroll(new Browser(t.app), t, "rory");
    const recoveryCode = codes[0] ?? "";
    let spentByWinning = 0;
    for (let trial = 0; trial < 6; trial++) {
      const browser = new Browser(t.app);
      await signInWithPassword(browser, "rory");
      await browser.get("/verify-2fa");
      // Both sent at once in one pending session, as two tabs would.
      const [byCode, byRecoveryCode] = await Promise.all([
        browser.post("/verify-2fa", { otp: codeAt(key, t.clock.now) }),
        browser.post("/verify-2fa", { otp: recoveryCode }),
      ]);
      // One signs in. The other lost inside the check ("completed in another tab"), or, arriving
      // after the first ended the pending session, was sent to /login before any check.
      const landed = [byCode, byRecoveryCode].map((answer) => answer.headers.get("location"));
      expect(landed.filter((location) => location === "/")).toHaveLength(1);
      const loser = landed[0] === "/" ? byRecoveryCode : byCode;
      if (loser.status === 303) expect(loser.headers.get("location")).toBe("/login");
      else expect(await fieldError(loser)).toContain("already completed in another tab");
      if (landed[1] === "/") spentByWinning++;
      t.clock.now += 30_000;
      const [user] = await t.db.select().from(t.tables.users).where(eq(t.tables.users.usernameKey, "rory"));
      // Spent only by a request that signed in with it, and then never again.
      expect(user?.recoveryCodesLeft).toBe(10 - Math.min(spentByWinning, 1));
      if (spentByWinning > 0) break;
    }
    if (spentByWinning === 0) {
      const browser = new Browser(t.app);
      await signInWithPassword(browser, "rory");
      expect((await browser.post("/verify-2fa", { otp: recoveryCode })).headers.get("location")).toBe("/");
    }
  });

  test("another user's recovery code is refused at the second step", async () => {
    await enroll(new Browser(t.app), t, "alice");
    const { recoveryCodes: malloryCodes } = await enroll(new Browser(t.app), t, "mallory");
    const browser = new Browser(t.app);
    await signInWithPassword(browser, "alice");
    const response = await browser.post("/verify-2fa", { otp: malloryCodes[0] ?? "" });
    expect(response.status).toBe(422);
    expect(await fieldError(response)).toContain("not right");
    expect((await browser.get("/")).headers.get("location")).toBe("/verify-2fa");
  });

  test("recovery codes count against the code throttle", async () => {
    const { recoveryCodes: codes } = await enroll(new Browser(t.app), t, "liam");
    const browser = new Browser(t.app);
    await signInWithPassword(browser, "liam");
    for (let i = 0; i < 5; i++) await browser.post("/verify-2fa", { otp: "aaaaa-aaaaa" });
    expect((await browser.post("/verify-2fa", { otp: codes[0] ?? "" })).status).toBe(429);
  });

  test("the home page warns when 2 or fewer are left", async () => {
    const { key, recoveryCodes: codes } = await enroll(new Browser(t.app), t, "mona");
    const browser = new Browser(t.app);
    for (const code of codes.slice(0, 8)) {
      await signInWithPassword(browser, "mona");
      await browser.postAndFollow("/verify-2fa", { otp: code });
      await browser.post("/logout", {});
    }
    await signInWithPassword(browser, "mona");
    await browser.post("/verify-2fa", { otp: codeAt(key, t.clock.now) });
    const notice = (await dom(await browser.get("/"))).querySelector(".notice.warning");
    expect(notice?.textContent).toContain("2 recovery codes left. Running low");
  });

  test("recovery codes are not accepted before 2FA is on", async () => {
    const browser = new Browser(t.app);
    await register(browser, "nina");
    await browser.get("/verify-2fa");
    const response = await browser.post("/verify-2fa", { otp: "abcde-fghjk" });
    expect(response.status).toBe(422);
    expect(await fieldError(response)).toBe("Enter the 6-digit code from your authenticator app.");
  });
});

describe("keys at rest", () => {
  test("the stored column is AES-GCM ciphertext, not the base32 key", async () => {
    const { key } = await enroll(new Browser(t.app), t, "olga");
    const [row] = await t.db.select().from(t.tables.users);
    expect(row?.totpSecret).toStartWith("v1:");
    expect(row?.totpSecret).not.toContain(key);
    expect(JSON.stringify(await t.db.select().from(t.tables.users))).not.toContain(key);
  });

  test("sealing one key twice gives two ciphertexts, each opening to it: a fresh IV every time", () => {
    const box = secretBox(TEST_SECRET);
    const [first, second] = [box.seal("JBSWY3DPEHPK3PXP", "user:1"), box.seal("JBSWY3DPEHPK3PXP", "user:1")];
    expect(first).not.toBe(second);
    expect(first.split(":")[1]).not.toBe(second.split(":")[1]);
    expect([box.open(first, "user:1"), box.open(second, "user:1")]).toEqual(["JBSWY3DPEHPK3PXP", "JBSWY3DPEHPK3PXP"]);
  });

  test("a copied ciphertext does not open for another user", async () => {
    await enroll(new Browser(t.app), t, "pete");
    const victimKey = (await enroll(new Browser(t.app), t, "quinn")).key;
    const [pete, quinn] = await t.db.select().from(t.tables.users);
    // An attacker who can write the database copies quinn's sealed key onto pete's row.
    await t.db
      .update(t.tables.users)
      .set({ totpSecret: quinn?.totpSecret })
      .where(eq(t.tables.users.id, pete?.id ?? 0));
    const browser = new Browser(t.app);
    await signInWithPassword(browser, "pete");
    const error = spyOn(console, "error").mockImplementation(() => {});
    const response = await browser.post("/verify-2fa", { otp: codeAt(victimKey, t.clock.now) });
    // Tampered data is the server's fault to report, not the person's: no way in, and no detail.
    expect(response.status).toBe(500);
    expect(response.headers.get("location")).toBeNull();
    expect((await dom(response)).querySelector("h1")?.textContent).toBe("Your authenticator app cannot be checked");
    expect(String(error.mock.calls[0]?.[0])).not.toContain(victimKey);
    error.mockRestore();
  });

  test("after the secret changed, a code gets a page offering a recovery code, and the operator one line saying why", async () => {
    await enroll(new Browser(t.app), t, "rene");
    const config = loadConfig({ APP_SECRET: "another-secret-another-secret-another-secret" }, "production");
    const rotated = createApp({ database: t.database, config, clock: () => t.clock.now });
    const browser = new Browser(rotated);
    await signInWithPassword(browser, "rene");
    const error = spyOn(console, "error").mockImplementation(() => {});
    const response = await browser.post("/verify-2fa", { otp: "123456" });
    expect(error.mock.calls).toHaveLength(1);
    const line = String(error.mock.calls[0]?.[0]);
    error.mockRestore();
    expect(line).toBe(
      "POST /verify-2fa: a TOTP key could not be decrypted: the secret (APP_SECRET) is not the one it was sealed with, or its row was altered; the person was offered a recovery code",
    );
    expect(response.status).toBe(500);
    const page = await dom(response);
    expect(page.querySelector("h1")?.textContent).toBe("Your authenticator app cannot be checked");
    const wayOut = [...page.querySelectorAll("a")].find((a) => a.textContent === "Use a recovery code");
    expect(wayOut?.getAttribute("href")).toBe("/verify-2fa?recovery");
  });
});

describe("no enumeration", () => {
  test("an unknown user and a wrong password get the same page, and both cost one argon2id verification", async () => {
    await enroll(new Browser(t.app), t, "rita");
    const verify = spyOn(Bun.password, "verify");
    const pages: string[] = [];
    for (const username of ["rita", "nobody"]) {
      const browser = new Browser(t.app);
      const response = await signInWithPassword(browser, username, "wrong password");
      expect(response.status).toBe(422);
      const html = (await response.text()).replaceAll(browser.csrfToken, "TOKEN").replace(username, "NAME");
      pages.push(html);
    }
    expect(pages[1]).toBe(pages[0] ?? "");
    expect(verify).toHaveBeenCalledTimes(2);
    verify.mockRestore();
  });
});
