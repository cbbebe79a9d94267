/** A mistake in how the auth was set up, worded as the one line an operator needs to fix it. */
export class ConfigError extends Error {}

/** 32 random bytes in base64url. */
export const MIN_SECRET_LENGTH = 43;
const SECRET_HINT =
  "generate one with: bun -e \"console.log(require('crypto').randomBytes(32).toString('base64url'))\"";

/** `value` when it is long enough to key the auth's HMACs and encryption; a ConfigError naming `name` otherwise. */
export function checkedSecret(value: string | undefined, name: string): string {
  if (!value) throw new ConfigError(`${name} is required; ${SECRET_HINT}`);
  if (value.length < MIN_SECRET_LENGTH) {
    throw new ConfigError(`${name} must be at least ${MIN_SECRET_LENGTH} characters (32 random bytes); ${SECRET_HINT}`);
  }
  return value;
}

/** The origin `value` names (scheme, host and port), or a ConfigError naming `name`. */
export function checkedOrigin(value: string | undefined, name: string): string {
  let url: URL;
  try {
    url = new URL(value ?? "");
  } catch {
    throw new ConfigError(`${name} must be a URL such as https://example.com, got "${value ?? ""}"`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ConfigError(`${name} must start with http:// or https://, got "${value}"`);
  }
  if (url.pathname !== "/" || url.search || url.hash) {
    throw new ConfigError(`${name} must be an origin without a path, such as https://example.com, got "${value}"`);
  }
  return url.origin;
}
