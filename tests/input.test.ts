import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { Browser, dom, GOOD_PASSWORD, ORIGIN, register, type TestApp, testApp } from "./helpers";

let t: TestApp;
beforeEach(async () => {
  t = await testApp();
});
afterEach(() => t.close());

async function tryRegister(fields: { username?: string; password?: string; confirm?: string }) {
  const browser = new Browser(t.app);
  await browser.get("/register");
  const password = fields.password ?? GOOD_PASSWORD;
  const response = await browser.post("/register", {
    username: fields.username ?? "someone",
    password,
    confirm: fields.confirm ?? password,
  });
  return { response, page: response.status === 422 ? await dom(response) : null };
}

function fieldError(page: Awaited<ReturnType<typeof dom>> | null, field: string): string | undefined {
  const input = page?.querySelector(`input[name=${field}]`);
  if (input?.getAttribute("aria-invalid") !== "true") return undefined;
  return page?.querySelector(`#${input.getAttribute("aria-describedby")}`)?.textContent ?? "";
}

describe("username rules", () => {
  test.each([
    ["ab", "at least 3"],
    ["a".repeat(33), "at most 32"],
    ["al ice", "only letters"],
    ["alice!", "only letters"],
    ["ålice", "only letters"],
    ["ａｌｉｃｅ", "only letters"],
  ])("%p is refused inline (%s)", async (username, message) => {
    const { response, page } = await tryRegister({ username });
    expect(response.status).toBe(422);
    expect(fieldError(page, "username")).toContain(message);
    expect(page?.querySelector("input[name=username]")?.getAttribute("value")).toBe(username);
    expect(await t.db.select().from(t.tables.users)).toHaveLength(0);
  });

  test.each(["abc", "a".repeat(32), "Alice_Smith-2.0"])("%p is accepted", async (username) => {
    const { response } = await tryRegister({ username });
    expect(response.status).toBe(303);
  });

  test("names are unique without regard to case, and keep the chosen spelling", async () => {
    await register(new Browser(t.app), "Alice");
    const { response, page } = await tryRegister({ username: "aLICE" });
    expect(response.status).toBe(422);
    expect(fieldError(page, "username")).toContain("taken");
    const rows = await t.db.select().from(t.tables.users);
    expect(rows.map((user) => user.username)).toEqual(["Alice"]);
  });

  test("concurrent registrations of one name give exactly one account and no 5xx", async () => {
    const browsers = Array.from({ length: 8 }, () => new Browser(t.app));
    await Promise.all(browsers.map((browser) => browser.get("/register")));
    const responses = await Promise.all(
      browsers.map((browser, i) =>
        browser.post("/register", {
          username: i % 2 ? "racer" : "RACER",
          password: GOOD_PASSWORD,
          confirm: GOOD_PASSWORD,
        }),
      ),
    );
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses).toEqual([303, 422, 422, 422, 422, 422, 422, 422]);
    expect(await t.db.select().from(t.tables.users)).toHaveLength(1);
  });
});

describe("password rules", () => {
  test.each([
    ["short", "at least 8"],
    ["x".repeat(129), "at most 128"],
    ["password1", "common passwords"],
    ["Qwertyuiop", "common passwords"],
    ["someone-else", undefined],
  ])("%p", async (password, message) => {
    const { response, page } = await tryRegister({ password });
    if (!message) return expect(response.status).toBe(303);
    expect(response.status).toBe(422);
    expect(fieldError(page, "password")).toContain(message);
  });

  test("the password may not be the username", async () => {
    const { page } = await tryRegister({ username: "longusername", password: "LongUsername" });
    expect(fieldError(page, "password")).toContain("must not be your username");
  });

  // Every rule judges the password as it is hashed: normalized to NFKC.
  test.each([
    [
      "full-width letters that normalize to a common password",
      "\uff50\uff41\uff53\uff53\uff57\uff4f\uff52\uff44",
      "common passwords",
    ],
    ["8 code points that normalize to 4 characters", "e\u0301".repeat(4), "at least 8"],
    ["128 code points that normalize to 130 characters", `${"x".repeat(127)}\u2474`, "at most 128"],
  ])("%s: refused", async (_, password, message) => {
    expect(password.normalize("NFKC")).not.toBe(password);
    const { response, page } = await tryRegister({ password });
    expect(response.status).toBe(422);
    expect(fieldError(page, "password")).toContain(message);
  });

  test("a full-width copy of the username is the username", async () => {
    const { page } = await tryRegister({ username: "longusername", password: "\uff4c\uff4f\uff4e\uff47username" });
    expect(fieldError(page, "password")).toContain("must not be your username");
  });

  test("a refused form puts the cursor in its first field in error, and only there", async () => {
    const focused = async (fields: { username?: string; password?: string; confirm?: string }) => {
      const { page } = await tryRegister(fields);
      return [...(page?.querySelectorAll("[autofocus]") ?? [])].map((input) => input.getAttribute("name"));
    };
    expect(await focused({ username: "x", password: "short" })).toEqual(["username"]);
    expect(await focused({ password: "short", confirm: "other" })).toEqual(["password"]);
    expect(await focused({ confirm: "other" })).toEqual(["confirm"]);
  });

  test("a 128-character passphrase is welcome", async () => {
    const { response } = await tryRegister({ password: "a long passphrase with spaces ".repeat(5).slice(0, 128) });
    expect(response.status).toBe(303);
  });

  test("confirm must match, and no password is sent back", async () => {
    const { response, page } = await tryRegister({
      username: "kept",
      password: GOOD_PASSWORD,
      confirm: "something else",
    });
    expect(response.status).toBe(422);
    expect(fieldError(page, "confirm")).toContain("do not match");
    expect(page?.querySelector("input[name=username]")?.getAttribute("value")).toBe("kept");
    for (const field of ["password", "confirm"]) {
      expect(page?.querySelector(`input[name=${field}]`)?.hasAttribute("value")).toBe(false);
    }
  });
});

describe("login", () => {
  test("an unknown user and a wrong password get the same answer", async () => {
    await register(new Browser(t.app), "known");
    const answers = [];
    for (const username of ["known", "unknown"]) {
      const browser = new Browser(t.app);
      await browser.get("/login");
      const response = await browser.post("/login", { username, password: "wrong password" });
      const page = await dom(response);
      answers.push({ status: response.status, message: page.querySelector(".form-error")?.textContent });
      expect(page.querySelector("input[name=password]")?.hasAttribute("value")).toBe(false);
    }
    expect(answers[0]).toEqual({ status: 422, message: "Wrong username or password." });
    expect(answers[1]).toEqual(answers[0]);
  });
});

describe("bad input gets a clear 4xx, never a 5xx", () => {
  async function raw(body: RequestInit["body"], headers: Record<string, string> = {}, htmx = false) {
    const browser = new Browser(t.app);
    await browser.get("/register");
    return browser.request("POST", "/register", {
      body,
      htmx,
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        origin: ORIGIN,
        "x-csrf-token": browser.csrfToken,
        ...headers,
      },
    });
  }
  const valid = `username=someone&password=${encodeURIComponent(GOOD_PASSWORD)}&confirm=${encodeURIComponent(GOOD_PASSWORD)}`;

  test("a body over 64 KB gets 413", async () => {
    const response = await raw(`${valid}&pad=${"x".repeat(64 * 1024)}`);
    expect(response.status).toBe(413);
    expect((await dom(response)).querySelector("h1")?.textContent).toBe("Form too large");
  });

  test("a body over 64 KB gets 413 even when its content-length claims less", async () => {
    const body = `${valid}&pad=${"x".repeat(64 * 1024)}`;
    expect((await raw(body, { "content-length": String(valid.length) })).status).toBe(413);
  });

  test("a body with its true content-length is read as usual", async () => {
    const response = await raw(valid, { "content-length": String(valid.length) });
    expect(response.status).toBe(303);
  });

  test("a chunked body over 64 KB gets 413 too", async () => {
    const chunk = new TextEncoder().encode("x".repeat(16 * 1024));
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(`${valid}&pad=`));
        for (let i = 0; i < 5; i++) controller.enqueue(chunk);
        controller.close();
      },
    });
    expect((await raw(stream)).status).toBe(413);
  });

  test.each([
    ["a missing field", "username=someone&password=x", 400],
    ["a repeated field", `${valid}&username=other`, 400],
    ["a NUL byte", `${valid.replace("someone", "some%00one")}`, 400],
    ["a raw NUL byte", `${valid.replace("someone", "some\0one")}`, 400],
    ["a percent-escape that is not UTF-8", `${valid.replace("someone", "some%FFone")}`, 400],
    ["a broken percent-escape", `${valid.replace("someone", "some%Gone")}`, 400],
  ])("%s gets %i", async (_, body, status) => {
    const response = await raw(body);
    expect(response.status).toBe(status);
    expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const text = await response.text();
    expect(text).toContain("<h1>");
    expect(text).not.toMatch(/at .*\.ts:\d+/); // no stack trace
    expect(await t.db.select().from(t.tables.users)).toHaveLength(0);
  });

  test("raw bytes that are not UTF-8 get 400", async () => {
    const bytes = new Uint8Array([...new TextEncoder().encode(valid), ...new TextEncoder().encode("&x="), 0xc3, 0x28]);
    expect((await raw(bytes)).status).toBe(400);
  });

  test.each([
    ["JSON", "application/json", JSON.stringify({ username: "someone" })],
    ["multipart", "multipart/form-data; boundary=x", "--x--"],
    ["no type", "", valid],
  ])("a %s body gets 415", async (_, type, body) => {
    expect((await raw(body, { "content-type": type })).status).toBe(415);
  });

  test("with htmx, the error is a fragment", async () => {
    const response = await raw(`${valid}&username=again`, {}, true);
    expect(response.status).toBe(400);
    const html = await response.text();
    expect(html).toStartWith("<title>");
    expect(html).not.toContain("<html");
  });

  test("an unknown page is a 404 page", async () => {
    const response = await new Browser(t.app).get("/wp-admin");
    expect(response.status).toBe(404);
    expect((await dom(response)).querySelector("h1")?.textContent).toBe("Page not found");
  });
});

describe("typing differences that should not matter", () => {
  test("a password is one password whichever way its accents were typed (NFKC)", async () => {
    const composed = "caf\u00e9 au lait, s'il vous pla\u00eet";
    const decomposed = composed.normalize("NFD");
    expect(decomposed).not.toBe(composed);
    await register(new Browser(t.app), "pierre", composed);
    const browser = new Browser(t.app);
    await browser.get("/login");
    const response = await browser.post("/login", { username: "pierre", password: decomposed });
    expect(response.headers.get("location")).toBe("/setup-2fa");
  });

  test("the two fields of a new password match whichever way its accents were typed", async () => {
    const composed = "cr\u00e8me br\u00fbl\u00e9e \u00e0 minuit";
    const { response } = await tryRegister({ password: composed, confirm: composed.normalize("NFD") });
    expect(response.status).toBe(303);
  });

  test("spaces around a username are ignored", async () => {
    const browser = new Browser(t.app);
    await browser.get("/register");
    const registered = await browser.post("/register", {
      username: "  zoe ",
      password: GOOD_PASSWORD,
      confirm: GOOD_PASSWORD,
    });
    expect(registered.status).toBe(303);
    const [user] = await t.db.select().from(t.tables.users);
    expect(user?.username).toBe("zoe");
    const other = new Browser(t.app);
    await other.get("/login");
    expect((await other.post("/login", { username: "zoe  ", password: GOOD_PASSWORD })).status).toBe(303);
  });
});
