import type { Context } from "elysia";

/**
 * A WebAuthn ceremony's options, as JSON for public/webauthn.js to hand the browser. They
 * hold a challenge for this session alone: never cached.
 */
export function ceremonyOptions<Options extends object>(set: Context["set"], options: Options): Options {
  set.headers["cache-control"] = "no-store";
  set.headers["content-type"] = "application/json; charset=utf-8";
  return options;
}
