// The library as a stranger gets it: packed, installed from the tarball into a copy of
// examples/host outside this repository, type-checked with the host's own tsconfig, started,
// and driven over HTTP. Nothing here imports the library's source.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import jsQR from "jsqr";
import * as OTPAuth from "otpauth";
import { Browser, dom, GOOD_PASSWORD, overHttp } from "../tests/helpers";
import { freePort, launch, randomSecret } from "../tests/processes";

const root = join(import.meta.dir, "..");
const work = mkdtempSync(join(tmpdir(), "elysia-two-factor-package-"));
const host = join(work, "host");
let tarball = "";
let origin = "";
let server: Bun.Subprocess | undefined;

function run(command: string[], cwd: string) {
  const done = Bun.spawnSync(command, { cwd, stdout: "pipe", stderr: "pipe" });
  if (done.exitCode !== 0) {
    throw new Error(`${command.join(" ")} failed:\n${done.stdout.toString()}${done.stderr.toString()}`);
  }
  return done.stdout.toString();
}

/** Every folder under node_modules that holds a package of this name. */
function copiesOf(name: string, folder = join(host, "node_modules")): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(folder)) {
    const path = join(folder, entry);
    if (!statSync(path).isDirectory()) continue;
    if (entry.startsWith("@")) {
      found.push(...copiesOf(name, path));
      continue;
    }
    const manifest = join(path, "package.json");
    try {
      if (JSON.parse(readFileSync(manifest, "utf8")).name === name) found.push(path);
    } catch {}
    try {
      found.push(...copiesOf(name, join(path, "node_modules")));
    } catch {}
  }
  return found;
}

/**
 * The text in the QR code of an SVG as the `qrcode` package draws it (a path of horizontal runs of
 * dark modules), read by drawing its modules as pixels and scanning them with jsQR, as a phone would.
 */
function readQrSvg(svg: string): string {
  const size = Number(svg.match(/viewBox="0 0 (\d+) \d+"/)?.[1]);
  const path = svg.match(/<path stroke="[^"]*" d="([^"]+)"/)?.[1] ?? "";
  const scale = 8;
  const width = size * scale;
  const pixels = new Uint8ClampedArray(width * width * 4).fill(255);
  let x = 0;
  let y = 0;
  for (const [, command, a = "0", b = "0"] of path.matchAll(/([Mmh])([\d.]+)(?:[ ,]([\d.]+))?/g)) {
    if (command === "M") [x, y] = [Number(a), Number(b)];
    else if (command === "m") [x, y] = [x + Number(a), y + Number(b)];
    else {
      for (let column = x; column < x + Number(a); column++) {
        for (let dy = 0; dy < scale; dy++) {
          for (let dx = 0; dx < scale; dx++) {
            const at = ((Math.floor(y) * scale + dy) * width + column * scale + dx) * 4;
            pixels.fill(0, at, at + 3);
          }
        }
      }
      x += Number(a);
    }
  }
  return jsQR(pixels, width, width)?.data ?? "";
}

beforeAll(async () => {
  run(["bun", "pm", "pack", "--destination", work], root);
  tarball = join(work, readdirSync(work).find((file) => file.endsWith(".tgz")) ?? "");
  cpSync(join(root, "examples/host"), host, { recursive: true });
  run(["bun", "add", tarball], host);
  const port = freePort();
  origin = `http://localhost:${port}`;
  const env = { PORT: String(port), APP_SECRET: randomSecret(), DATABASE_URL: join(work, "host.sqlite") };
  server = (await launch(["bun", "index.tsx"], env, `${origin}/auth/login`, "ignore", host)).child;
}, 180_000);

afterAll(async () => {
  server?.kill();
  await server?.exited;
  rmSync(work, { recursive: true, force: true });
});

test("the tarball holds the built library, its migrations and assets, and none of the demo's data", () => {
  const listed = run(["tar", "-tzf", tarball], work).split("\n");
  for (const file of ["dist/lib/index.js", "dist/lib/index.d.ts", "dist/lib/cli.js", "public/webauthn.js"]) {
    expect(listed).toContain(`package/${file}`);
  }
  expect(listed.some((file) => file.startsWith("package/db/migrations/sqlite/"))).toBe(true);
  expect(listed.some((file) => file.startsWith("package/db/migrations/postgres/"))).toBe(true);
  const demoData = /\.sqlite(-wal|-shm)?$|\.dev-secret$|^package\/(tests|e2e|bench|examples|src\/web)\//;
  expect(listed.filter((file) => demoData.test(file))).toEqual([]);
  expect(statSync(tarball).size).toBeLessThan(400_000);
});

test("the host type-checks with its own tsconfig, and holds one copy of elysia", () => {
  run(["bunx", "tsc", "--noEmit"], host);
  expect(copiesOf("elysia")).toEqual([join(host, "node_modules", "elysia")]);
});

test("the operator's command line answers --help", () => {
  expect(run(["bunx", "elysia-two-factor", "--help"], host)).toStartWith("usage: elysia-two-factor list-users");
});

test("a person registers, links an app from the QR code, reaches the host's dashboard; the host's own routes stay its own", async () => {
  const browser = new Browser(overHttp(origin), origin);
  const away = await browser.get("/dashboard");
  expect(away.status).toBe(303);
  expect(away.headers.get("location")).toBe("/auth/login");

  const login = await browser.get("/auth/login");
  const page = await dom(login);
  expect(login.headers.get("content-security-policy")).toContain("script-src 'self'");
  const loaded = [
    ...[...page.querySelectorAll("script[src]")].map((element) => element.getAttribute("src") ?? ""),
    ...[...page.querySelectorAll("link[href]")].map((element) => element.getAttribute("href") ?? ""),
  ];
  expect(loaded.length).toBe(7);
  for (const path of loaded) expect({ path, status: (await browser.get(path)).status }).toEqual({ path, status: 200 });

  await browser.get("/auth/register");
  const registered = await browser.post("/auth/register", {
    username: "stranger",
    password: GOOD_PASSWORD,
    confirm: GOOD_PASSWORD,
  });
  expect(registered.headers.get("location")).toBe("/auth/setup-2fa");
  expect((await browser.get("/dashboard")).headers.get("location")).toBe("/auth/setup-2fa");

  // The QR code, read as a phone reads it.
  const setup = await dom(await browser.get("/auth/setup-2fa"));
  const dataUrl = setup.querySelector(".qr img")?.getAttribute("src") ?? "";
  const uri = readQrSvg(Buffer.from(dataUrl.split(",")[1] ?? "", "base64").toString("utf8"));
  expect(uri).toStartWith("otpauth://totp/");
  const totp = OTPAuth.URI.parse(uri) as OTPAuth.TOTP;
  await browser.get("/auth/verify-2fa");
  const enrolled = await browser.post("/auth/verify-2fa", { otp: totp.generate() });
  expect(enrolled.status).toBe(200);
  expect((await dom(enrolled)).querySelectorAll(".code-list code")).toHaveLength(10);

  const dashboard = await browser.get("/dashboard");
  expect(dashboard.status).toBe(200);
  expect(await dashboard.text()).toContain("Hi stranger");
  expect(dashboard.headers.get("content-security-policy")).toBeNull();

  // Just signed in with both factors: the fresh route lets in; its option type-checked in the stranger's app.
  const keys = await browser.get("/settings/keys");
  expect(keys.status).toBe(200);
  expect(await keys.text()).toContain("Keys of stranger");

  const me = await browser.get("/me");
  const text = await me.text();
  expect(JSON.parse(text)).toMatchObject({ username: "stranger", appLinked: true, recoveryCodesLeft: 10 });
  expect(text).not.toContain("argon2");
  expect(text).not.toContain("v1:");
  expect(text).not.toContain(totp.secret.base32);

  const notes = await fetch(`${origin}/api/notes`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: "https://elsewhere.example" },
    body: JSON.stringify({ text: "hello" }),
  });
  expect(notes.status).toBe(200);
  expect(await notes.json()).toEqual({ saved: { text: "hello" } });
  expect(notes.headers.getSetCookie()).toEqual([]);

  const missing = await browser.get("/no-such-page");
  expect(missing.status).toBe(404);
  expect(await missing.text()).toContain("There is no such page");
}, 60_000);
