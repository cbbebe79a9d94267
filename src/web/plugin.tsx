import { Elysia } from "elysia";
import { type AuthPolicies, createAuth, DEFAULT_POLICIES } from "../auth";
import { type Clock, systemClock } from "../clock";
import type { Database } from "../db/database";
import { authPaths } from "../paths";
import { authCookies } from "./cookies";
import { errorAnswers } from "./errors";
import { authGates } from "./gates";
import type { AuthKit } from "./kit";
import { type PageLayout, pageRenderer } from "./respond";
import { accountRoutes } from "./routes/account";
import { loginRoutes } from "./routes/login";
import { registerRoutes } from "./routes/register";
import { signOutRoutes } from "./routes/sign-out";
import { twoFactorRoutes } from "./routes/two-factor";

/** What the auth needs of the configuration; `loadConfig` in src/config.ts reads it from the environment. */
export type AuthConfig = {
  /** Shown in authenticator apps and page titles. */
  appName: string;
  /** At least 32 random bytes: keys cookie signatures, CSRF tokens, TOTP keys at rest and recovery-code hashes. */
  appSecret: string;
  /** The public origin: unsafe requests from any other are refused. */
  appOrigin: string;
  /** `Secure` cookies with the `__Host-` prefix: true when APP_ORIGIN is https. */
  secureCookies: boolean;
  /** Unsafe requests a minute per client IP on the auth's forms; 0 turns the budget off. */
  ipRateLimit: number;
  /** A header a trusted reverse proxy sets to the client's IP, or null to use the socket's address. */
  trustedProxyHeader: string | null;
  sessionIdleMs: number;
  sessionAbsoluteMs: number;
};

export type TwoFactorAuthOptions = {
  database: Database;
  config: AuthConfig;
  /** Milliseconds since the epoch; the system clock unless a test moves its own. */
  clock?: Clock;
  /** Where the auth's pages live, such as `/auth`; none by default (`/login`, `/account`, …). */
  prefix?: string;
  /** Where a fully signed-in person lands: the host's page. `/` by default. */
  homePath?: string;
  /** The page shell of whole pages; ours by default. It must have `<main id="main">`, where htmx swaps. */
  layout?: PageLayout;
  /** Lockouts, trusted-browser days and the reset window; each defaults to today's value. */
  policies?: Partial<AuthPolicies>;
};

/**
 * The whole auth as one Elysia plugin: registration, sign-in with a second factor, and the
 * account's security settings, each route behind its gate; and the `signedIn` and `csrf`
 * guards for the host's own routes. It adds no global hook: the host's other routes are
 * untouched unless they ask for a guard.
 */
export function twoFactorAuth({
  database,
  config,
  clock = systemClock,
  prefix: givenPrefix = "",
  homePath = "/",
  layout,
  policies: overrides = {},
}: TwoFactorAuthOptions) {
  // "/auth" and "/auth/" mount alike; a prefix must be a path.
  const prefix = givenPrefix.replace(/\/+$/, "");
  if (prefix && !prefix.startsWith("/")) throw new Error(`the prefix must start with "/", got "${givenPrefix}"`);
  const policies: AuthPolicies = { ...DEFAULT_POLICIES, ...overrides };
  const auth = createAuth({
    database,
    clock,
    appName: config.appName,
    appSecret: config.appSecret,
    appOrigin: config.appOrigin,
    sessionLifetime: { idleMs: config.sessionIdleMs, absoluteMs: config.sessionAbsoluteMs },
    policies,
  });
  const paths = authPaths(prefix, homePath);
  const pages = pageRenderer({ appName: config.appName, homePath, layout });
  const errors = errorAnswers(pages);
  const gates = authGates({
    auth,
    paths,
    cookies: authCookies(config),
    errors,
    appSecret: config.appSecret,
    appOrigin: config.appOrigin,
    trustedProxyHeader: config.trustedProxyHeader,
    ipRateLimit: config.ipRateLimit,
    clock,
    seed: prefix,
  });
  const kit: AuthKit = { gates, auth, paths, clock, policies, pages, rpId: new URL(config.appOrigin).hostname };

  return new Elysia({ name: "two-factor-auth", seed: prefix })
    .decorate({ twoFactor: { auth, paths } })
    .use(gates)
    .use(registerRoutes(kit))
    .use(loginRoutes(kit))
    .use(twoFactorRoutes(kit))
    .use(signOutRoutes(kit))
    .use(accountRoutes(kit));
}
