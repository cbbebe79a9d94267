import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Elysia } from "elysia";
import { projectFolder } from "../files";

// Everything the pages load comes from our own origin: no CDN.
const files = {
  "/assets/htmx.min.js": ["node_modules/htmx.org/dist/htmx.min.js", "text/javascript; charset=utf-8"],
  "/assets/pico.min.css": ["node_modules/@picocss/pico/css/pico.min.css", "text/css; charset=utf-8"],
  "/assets/app.css": ["public/app.css", "text/css; charset=utf-8"],
  "/assets/app.js": ["public/app.js", "text/javascript; charset=utf-8"],
  "/assets/simplewebauthn-browser.min.js": [
    "node_modules/@simplewebauthn/browser/dist/bundle/index.umd.min.js",
    "text/javascript; charset=utf-8",
  ],
  "/assets/webauthn.js": ["public/webauthn.js", "text/javascript; charset=utf-8"],
  "/assets/favicon.svg": ["public/favicon.svg", "image/svg+xml"],
} as const;

/** Serves the static files from memory with an ETag, so a repeat visit costs a 304. */
export function staticAssets() {
  const app = new Elysia({ name: "static-assets" });
  for (const [path, [file, contentType]] of Object.entries(files)) {
    const body = readFileSync(join(projectFolder, file));
    const etag = `"${createHash("sha256").update(body).digest("base64url").slice(0, 16)}"`;
    app.get(path, ({ request, set }) => {
      set.headers.etag = etag;
      set.headers["cache-control"] = "no-cache";
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
