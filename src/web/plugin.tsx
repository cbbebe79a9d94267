import { Elysia } from "elysia";
import { type AuthPolicies, createAuth, DEFAULT_POLICIES } from "../auth";
import { type Clock, systemClock } from "../clock";
import type { Database } from "../db/database";
import { authPaths } from "../paths";
import { PasskeyOffer } from "../views/components/PasskeyOffer";
import { authAssets } from "./assets";
import { authCookies } from "./cookies";
import { errorAnswers } from "./errors";
import { authGates } from "./gates";
import type { AuthKit } from "./kit";
import { type Mailer, noticeMail } from "./mail";
import { type SecurityNotice, securityNotice } from "./notices";
import { logUnexpected } from "./operations";
import { ConfigError, checkedOrigin, checkedSecret } from "./options";
import { type PageLayout, pageRenderer } from "./respond";
import { accountRoutes } from "./routes/account";
import { confirmRoutes } from "./routes/confirm";
import { confirmEmailRoutes } from "./routes/confirm-email";
import { loginRoutes } from "./routes/login";
import { newPasswordRoutes } from "./routes/new-password";
import { notMeRoutes } from "./routes/not-me";
import { passkeyOfferRoutes } from "./routes/passkey-offer";
import { registerRoutes } from "./routes/register";
import { signOutRoutes } from "./routes/sign-out";
import { twoFactorRoutes } from "./routes/two-factor";
import { securityHeaderValues } from "./security";
import { forgetMount, startRefusal } from "./start-checks";

const DAY_MS = 24 * 60 * 60_000;
const CLEANUP_INTERVAL_MS = 60 * 60_000;

/** What went wrong, without the message, which for a failed query carries its parameters. */
const errorName = (error: unknown) => (error instanceof Error ? error.name : typeof error);

export type TwoFactorAuthOptions = {
  database: Database;
  /**
   * At least 43 characters (32 random bytes): keys cookie signatures, CSRF tokens, TOTP keys at
   * rest and recovery-code hashes. Changing it signs everyone out and locks out app codes.
   */
  secret: string;
  /** The public origin, such as `https://example.com`: unsafe requests from any other are refused, and passkeys are bound to its host. */
  origin: string;
  /** Shown in authenticator apps and page titles. "Two-Factor Auth" by default. */
  appName?: string;
  /** Where the auth's pages live, such as `/auth`; none by default (`/login`, `/account`, …). */
  prefix?: string;
  /** Where a fully signed-in person lands: the host's page. `/` by default. */
  homePath?: string;
  /** The page shell of whole pages; ours by default. It must have `<main id="main">`, where htmx swaps. */
  layout?: PageLayout;
  /** Unsafe requests a minute per client IP on the auth's forms; 0 turns the budget off. 60 by default. */
  ipRateLimit?: number;
  /** A header a trusted reverse proxy sets to the client's IP; the socket's address by default. */
  trustedProxyHeader?: string | null;
  /** A signed-in session ends after this long unused (7 days by default), and this long after sign-in (30). */
  sessionIdleMs?: number;
  sessionAbsoluteMs?: number;
  /** Lockouts, trusted-browser days and the reset window; each defaults to today's value. */
  policies?: Partial<AuthPolicies>;
  /** Milliseconds since the epoch; the system clock unless a test moves its own. */
  clock?: Clock;
  /**
   * Called when a person deletes their account, once their proofs are checked and before the
   * auth deletes its own rows: delete the host's data of `userId` here. If it throws, nothing
   * is deleted and the person is asked to try again.
   */
  onAccountDeleted?: (userId: number) => void | Promise<void>;
  /**
   * Told of each change to how someone signs in, each sign-in from a browser not seen on the
   * account before, and each lockout, once it is written: never awaited by the request, and
   * whatever it throws is logged, not answered. Send it on (an email, a push) with its
   * `repudiateUrl`, the person's way to say "This wasn't me".
   */
  onSecurityEvent?: (notice: SecurityNotice) => void | Promise<void>;
  /**
   * How to send email, if the host can: the account page then offers an address for security
   * notices, confirmed by a link, and every notice is also emailed there.
   */
  mail?: Mailer;
  /**
   * Right after a sign-in with the password and a code or security key, offer a passkey on the
   * landing page (`twoFactor.passkeyOffer(request)` draws it), made without a dialog where the
   * browser's password manager can. True by default.
   */
  passkeyUpgrade?: boolean;
};

/**
 * The whole auth as one Elysia plugin: registration, sign-in with a second factor, and the
 * account's security settings, each route behind its gate; and the `signedIn` and `csrf`
 * guards for the host's own routes. It adds no global hook: the host's other routes are
 * untouched unless they ask for a guard.
 */
export function twoFactorAuth({
  database,
  secret,
  origin,
  appName = "Two-Factor Auth",
  prefix: givenPrefix = "",
  homePath = "/",
  layout,
  ipRateLimit = 60,
  trustedProxyHeader = null,
  sessionIdleMs = 7 * DAY_MS,
  sessionAbsoluteMs = 30 * DAY_MS,
  policies: overrides = {},
  clock = systemClock,
  onAccountDeleted = () => {},
  onSecurityEvent,
  mail,
  passkeyUpgrade = true,
}: TwoFactorAuthOptions) {
  // Checked here, at the mount: a wrong secret or origin stops the start, never a 403 later.
  const appSecret = checkedSecret(secret, "secret");
  const appOrigin = checkedOrigin(origin, "origin");
  const secureCookies = appOrigin.startsWith("https:");
  // "/auth" and "/auth/" mount alike; a prefix must be a path.
  const prefix = givenPrefix.replace(/\/+$/, "");
  if (prefix && !prefix.startsWith("/")) throw new ConfigError(`the prefix must start with "/", got "${givenPrefix}"`);
  const policies: AuthPolicies = { ...DEFAULT_POLICIES, ...overrides };
  const paths = authPaths(prefix, homePath);
  /** A notice to the host, and by email to a confirmed address: each on its own, so one failing spares the other. */
  const tellOf = async (notice: SecurityNotice) => {
    const { email } = notice;
    const told = await Promise.allSettled([
      (async () => onSecurityEvent?.(notice))(),
      mail && email ? mail.send(noticeMail(appName, { ...notice, email })) : null,
    ]);
    for (const each of told) if (each.status === "rejected") logUnexpected("a security notice", each.reason);
  };
  const auth = createAuth({
    database,
    clock,
    appName,
    appSecret,
    appOrigin,
    sessionLifetime: { idleMs: sessionIdleMs, absoluteMs: sessionAbsoluteMs },
    policies,
    onNotice: (onSecurityEvent || mail) && ((notice) => tellOf(securityNotice(notice, appOrigin, paths))),
    noticeFailed: (error) => logUnexpected("a security notice", error),
  });
  const assets = `${prefix}/assets`;
  const pages = pageRenderer({
    appName,
    homePath,
    assets,
    layout,
    securityHeaders: securityHeaderValues({ secureCookies }),
  });
  const errors = errorAnswers(pages, `${paths.verify}?recovery`);
  const gates = authGates({
    auth,
    paths,
    cookies: authCookies({ appSecret, secureCookies }),
    errors,
    appSecret,
    appOrigin,
    trustedProxyHeader: trustedProxyHeader?.trim().toLowerCase() || null,
    ipRateLimit,
    clock,
    seed: prefix,
  });
  const kit: AuthKit = {
    gates,
    auth,
    paths,
    clock,
    policies,
    pages,
    appOrigin,
    rpId: new URL(appOrigin).hostname,
    hooks: { onAccountDeleted, mail: mail ?? null },
  };

  /**
   * The passkey offer for a host's landing page, behind `signedIn`: its markup while the request's
   * session may be offered one (minutes after a sign-in with both factors), else nothing.
   */
  const passkeyOffer = async (request: Request): Promise<JSX.Element> => {
    const visit = gates.admittedVisit(request);
    if (!passkeyUpgrade || !visit?.current || !(await auth.account.passkeyOffered(visit.current))) return "";
    return <PasskeyOffer paths={paths} csrfToken={visit.csrfToken} />;
  };

  let cleanup: Timer | undefined;
  return (
    new Elysia({ name: "two-factor-auth", seed: prefix })
      .onStart((app) => {
        const refusal = startRefusal(app, prefix);
        if (refusal) {
          app.server?.stop(true);
          throw new ConfigError(refusal);
        }
        // Expired rows are refused on sight; this only keeps the tables small.
        cleanup = setInterval(
          () =>
            auth
              .deleteExpired()
              .catch((error: unknown) => console.error(`deleting expired sessions failed: ${errorName(error)}`)),
          CLEANUP_INTERVAL_MS,
        );
        cleanup.unref();
      })
      .onStop((app) => {
        clearInterval(cleanup);
        forgetMount(app);
      })
      // A host's page drawn in the auth's layout, with its headers: `twoFactor.page(ctx, title, content)`.
      .decorate({ twoFactor: { auth, paths, page: pages.page, passkeyOffer } })
      .use(authAssets(assets))
      .use(gates)
      .use(registerRoutes(kit))
      .use(loginRoutes(kit))
      .use(twoFactorRoutes(kit))
      .use(signOutRoutes(kit))
      .use(accountRoutes(kit))
      .use(confirmRoutes(kit))
      .use(notMeRoutes(kit))
      // Mounted only when they can serve: without them, their paths are a 404 like any unknown one.
      .use(mail ? confirmEmailRoutes(kit) : new Elysia())
      .use(newPasswordRoutes(kit))
      .use(passkeyUpgrade ? passkeyOfferRoutes(kit) : new Elysia())
  );
}
