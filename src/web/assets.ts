import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { Elysia } from "elysia";
import { projectFolder } from "../files";

/**
 * A file of an installed package, found the way an import of it would be: from wherever the
 * package manager put it (hoisted to the host's node_modules, or nested), and past an `exports`
 * map that lists only the package's entry.
 */
function packageFile(name: string, file: string): string {
  for (let folder = dirname(Bun.resolveSync(name, import.meta.dir)); ; folder = dirname(folder)) {
    const manifest = join(folder, "package.json");
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, "utf8")).name === name) return join(folder, file);
    if (dirname(folder) === folder) throw new Error(`cannot find the folder of ${name}`);
  }
}

const ownFile = (file: string) => join(projectFolder, "public", file);
const JS = "text/javascript; charset=utf-8";
const CSS = "text/css; charset=utf-8";

// Everything the pages load comes from the host's own origin: no CDN.
const files = {
  "htmx.min.js": [() => packageFile("htmx.org", "dist/htmx.min.js"), JS],
  "pico.min.css": [() => packageFile("@picocss/pico", "css/pico.min.css"), CSS],
  "app.css": [() => ownFile("app.css"), CSS],
  "app.js": [() => ownFile("app.js"), JS],
  "simplewebauthn-browser.min.js": [() => packageFile("@simplewebauthn/browser", "dist/bundle/index.umd.min.js"), JS],
  "webauthn.js": [() => ownFile("webauthn.js"), JS],
  "favicon.svg": [() => ownFile("favicon.svg"), "image/svg+xml"],
} as const;

/** The names of the files the pages load, under the assets path. */
export type AssetName = keyof typeof files;

/** Serves the pages' static files at `base` (such as `/auth/assets`) from memory, with an ETag, so a repeat visit costs a 304. */
export function authAssets(base: string) {
  const app = new Elysia({ name: "two-factor-assets", seed: base });
  for (const [name, [locate, contentType]] of Object.entries(files)) {
    const body = readFileSync(locate());
    const etag = `"${createHash("sha256").update(body).digest("base64url").slice(0, 16)}"`;
    app.get(`${base}/${name}`, ({ request, set }) => {
      set.headers.etag = etag;
      set.headers["cache-control"] = "no-cache";
      set.headers["x-content-type-options"] = "nosniff";
      if (request.headers.get("if-none-match") === etag) {
        set.status = 304;
        return "";
      }
      set.headers["content-type"] = contentType;
      return body;
    });
  }
  return app;
}
