import { Elysia, t } from "elysia";
import { type Auth, type Enrollment, type FieldErrors, isRefusal } from "../../auth";
import { type AccountOverview, describeRevoked } from "../../auth/account";
import type { Config } from "../../config";
import type { Session, User } from "../../db/tables";
import { PasswordPanel } from "../../views/account/PasswordPanel";
import { SecurityLogPanel } from "../../views/account/SecurityLogPanel";
import { SessionsPanel } from "../../views/account/SessionsPanel";
import { TrustedBrowsersPanel } from "../../views/account/TrustedBrowsersPanel";
import { NewAuthenticatorPanel, TwoFactorPanel } from "../../views/account/TwoFactorPanel";
import { AccountPage } from "../../views/pages/AccountPage";
import { describeDevice } from "../client";
import type { RequestContext } from "../context";
import { keyToScan } from "../qr";
import { goTo, markup, type PageContext, page, refusalStatus } from "../respond";

const title = "Security settings";
const signedIn = { sessionAt: ["/"] as "/"[] };
const passwordChanged = "Password changed. Every other session was signed out and every trusted browser forgotten.";

/** What the account handlers use of Elysia's context. */
type AccountContext = PageContext & {
  auth: Auth;
  config: Config;
  session: Session;
  user: User;
  trustedBrowserToken: string | null;
};

type ListPanel = "sessions" | "trusted-browsers";
/**
 * What an action changed: a form's panel, or one of the lists. The 2FA panel is drawn from
 * the same overview as the rest of the page, so an answer reads the account once.
 */
type Changed = {
  twoFactor?: (overview: AccountOverview) => JSX.Element;
  password?: JSX.Element;
  list?: ListPanel;
};

const current = (ctx: AccountContext) => ({ session: ctx.session, user: ctx.user });

async function newAuthenticatorPanel(ctx: AccountContext, enrollment: Enrollment, error?: string) {
  const key = await keyToScan(enrollment, ctx.config.appName, ctx.user.username);
  return <NewAuthenticatorPanel csrfToken={ctx.csrfToken} error={error} {...key} />;
}

function twoFactorPanel(
  ctx: AccountContext,
  recoveryCodesLeft: number,
  extra: {
    newCodes?: string[];
    notice?: string;
    regenerateError?: string;
    resetErrors?: FieldErrors<"password" | "otp">;
  } = {},
) {
  return (
    <TwoFactorPanel
      csrfToken={ctx.csrfToken}
      appName={ctx.config.appName}
      username={ctx.user.username}
      recoveryCodesLeft={recoveryCodesLeft}
      {...extra}
    />
  );
}

/** The 2FA panel as it stands: the new key to confirm while a reset is pending, the status otherwise. */
function currentTwoFactorPanel(ctx: AccountContext, overview: AccountOverview, error?: string) {
  const pending = ctx.auth.account.pendingReset(current(ctx));
  return pending ? newAuthenticatorPanel(ctx, pending, error) : twoFactorPanel(ctx, overview.recoveryCodesLeft);
}

/** The panels that list what actions change: sessions, trusted browsers, the log. */
function listPanels(ctx: AccountContext, overview: AccountOverview, outOfBand: (panel: ListPanel | "log") => boolean) {
  return (
    <>
      <SessionsPanel
        csrfToken={ctx.csrfToken}
        outOfBand={outOfBand("sessions")}
        sessions={overview.sessions.map((session) => ({
          id: session.id,
          device: describeDevice(session.userAgent),
          ip: session.ip,
          startedAt: session.createdAt,
          lastSeenAt: session.lastSeenAt,
          waitingForCode: session.state === "pending",
          current: session.id === ctx.session.id,
        }))}
      />
      <TrustedBrowsersPanel
        csrfToken={ctx.csrfToken}
        outOfBand={outOfBand("trusted-browsers")}
        browsers={overview.trustedBrowsers.map((browser) => ({
          id: browser.id,
          device: describeDevice(browser.userAgent),
          ip: browser.ip,
          addedAt: browser.createdAt,
          lastUsedAt: browser.lastUsedAt,
          expiresAt: browser.expiresAt,
          current: browser.id === overview.thisTrustedBrowserId,
        }))}
      />
      <SecurityLogPanel
        outOfBand={outOfBand("log")}
        events={overview.events.map((event) => ({
          type: event.type,
          detail: event.detail,
          at: event.createdAt,
          ip: event.ip,
          device: describeDevice(event.userAgent),
        }))}
      />
    </>
  );
}

/**
 * The whole account page; or, after a form with htmx, the panel that form changed, with the
 * other lists swapped out of band: every action changes the log, and some end sessions.
 */
async function accountAnswer(ctx: AccountContext, changed: Changed, status = 200) {
  const overview = await ctx.auth.account.overview(ctx.user, ctx.trustedBrowserToken);
  const changedTwoFactor: JSX.Element | null = changed.twoFactor ? changed.twoFactor(overview) : null;
  const form: JSX.Element = changedTwoFactor ?? changed.password ?? "";
  if (ctx.fragment && (form || changed.list)) {
    const panels = (
      <>
        {form}
        {listPanels(ctx, overview, (panel) => panel !== changed.list)}
      </>
    );
    return markup(ctx, status, panels);
  }
  const twoFactor: JSX.Element = changedTwoFactor ?? (await currentTwoFactorPanel(ctx, overview));
  const password: JSX.Element = changed.password ?? <PasswordPanel csrfToken={ctx.csrfToken} />;
  const content = (
    <AccountPage username={ctx.user.username}>
      {twoFactor}
      {password}
      {listPanels(ctx, overview, () => false)}
    </AccountPage>
  );
  return page(ctx, title, content, status);
}

/** After an action on a list: with htmx, the lists; without, back to the page at that list. */
function afterListChange(ctx: AccountContext, list: ListPanel) {
  return ctx.fragment ? accountAnswer(ctx, { list }) : goTo(ctx, `/account#${list}`);
}

export const accountRoutes = (context: RequestContext) =>
  new Elysia({ name: "account-routes" })
    .use(context)
    .get(
      "/account",
      (ctx) => {
        // Without JavaScript, a password change lands here by a redirect: say it worked.
        const changed = ctx.query.done === "password";
        return accountAnswer(ctx, {
          password: changed ? <PasswordPanel csrfToken={ctx.csrfToken} notice={passwordChanged} /> : undefined,
        });
      },
      { ...signedIn, query: t.Object({ done: t.Optional(t.String()) }) },
    )
    .post(
      "/account/recovery-codes",
      async (ctx) => {
        const result = await ctx.auth.account.regenerateRecoveryCodes(ctx.user, ctx.body.otp, ctx.meta());
        if (isRefusal(result)) {
          const panel = (overview: AccountOverview) =>
            twoFactorPanel(ctx, overview.recoveryCodesLeft, { regenerateError: result.error });
          return accountAnswer(ctx, { twoFactor: panel }, refusalStatus(ctx, result.lockedUntil));
        }
        const panel = (overview: AccountOverview) =>
          twoFactorPanel(ctx, overview.recoveryCodesLeft, { newCodes: result });
        return accountAnswer(ctx, { twoFactor: panel });
      },
      { ...signedIn, body: t.Object({ otp: t.String() }) },
    )
    .post(
      "/account/reset-2fa",
      async (ctx) => {
        const { password, otp } = ctx.body;
        const result = await ctx.auth.account.startAuthenticatorReset(current(ctx), password, otp, ctx.meta());
        if ("errors" in result) {
          const panel = (overview: AccountOverview) =>
            twoFactorPanel(ctx, overview.recoveryCodesLeft, { resetErrors: result.errors });
          return accountAnswer(ctx, { twoFactor: panel }, refusalStatus(ctx, result.lockedUntil));
        }
        // The new key is held on the session: without JavaScript, the page shows it until it is confirmed.
        if (!ctx.fragment) return goTo(ctx, "/account#two-factor");
        return accountAnswer(ctx, { twoFactor: () => newAuthenticatorPanel(ctx, result) });
      },
      { ...signedIn, body: t.Object({ password: t.String(), otp: t.String() }) },
    )
    .post(
      "/account/reset-2fa/confirm",
      async (ctx) => {
        const result = await ctx.auth.account.confirmAuthenticatorReset(current(ctx), ctx.body.otp, ctx.meta());
        if (!result) return goTo(ctx, "/account#two-factor"); // nothing pending, or its 10 minutes are up
        if (isRefusal(result)) {
          const panel = (overview: AccountOverview) => currentTwoFactorPanel(ctx, overview, result.error);
          return accountAnswer(ctx, { twoFactor: panel }, refusalStatus(ctx, result.lockedUntil));
        }
        const { revoked, recoveryCodes } = result;
        const notice = `Your new authenticator app is linked, and the old one no longer works. ${describeRevoked(revoked)}.`;
        const panel = (overview: AccountOverview) =>
          twoFactorPanel(ctx, overview.recoveryCodesLeft, { newCodes: recoveryCodes, notice });
        return accountAnswer(ctx, { twoFactor: panel });
      },
      { ...signedIn, body: t.Object({ otp: t.String() }) },
    )
    .post(
      "/account/reset-2fa/cancel",
      async (ctx) => {
        await ctx.auth.account.cancelAuthenticatorReset(current(ctx));
        if (!ctx.fragment) return goTo(ctx, "/account#two-factor");
        const panel = (overview: AccountOverview) => twoFactorPanel(ctx, overview.recoveryCodesLeft);
        return accountAnswer(ctx, { twoFactor: panel });
      },
      signedIn,
    )
    .post(
      "/account/password",
      async (ctx) => {
        const result = await ctx.auth.account.changePassword(current(ctx), ctx.body, ctx.meta());
        if ("errors" in result) {
          const panel = <PasswordPanel csrfToken={ctx.csrfToken} errors={result.errors} />;
          return accountAnswer(ctx, { password: panel }, refusalStatus(ctx, result.lockedUntil));
        }
        ctx.startSession(result.session);
        if (!ctx.fragment) return goTo(ctx, "/account?done=password#password");
        // This session went on under a new token: the list marks that one as this browser.
        const renewed = await ctx.auth.session(result.session.token);
        if (!renewed) return goTo(ctx, "/login");
        const panel = <PasswordPanel csrfToken={ctx.csrfToken} notice={passwordChanged} />;
        return accountAnswer({ ...ctx, session: renewed.session }, { password: panel });
      },
      {
        ...signedIn,
        body: t.Object({ current_password: t.String(), new_password: t.String(), confirm: t.String() }),
      },
    )
    .post(
      "/account/sessions/revoke-others",
      async (ctx) => {
        await ctx.auth.account.revokeOtherSessions(current(ctx), ctx.meta());
        return afterListChange(ctx, "sessions");
      },
      signedIn,
    )
    .post(
      "/account/sessions/:id/revoke",
      async (ctx) => {
        // Ending this very session is signing out.
        if (ctx.params.id === ctx.session.id) {
          await ctx.auth.signOut(ctx.session, ctx.meta());
          ctx.endSession();
          return goTo(ctx, "/login");
        }
        await ctx.auth.account.revokeSession(ctx.user, ctx.params.id, ctx.meta());
        return afterListChange(ctx, "sessions");
      },
      { ...signedIn, params: t.Object({ id: t.String() }) },
    )
    .post(
      "/account/trusted-browsers/revoke-all",
      async (ctx) => {
        await ctx.auth.account.revokeAllTrustedBrowsers(ctx.user, ctx.meta());
        return afterListChange(ctx, "trusted-browsers");
      },
      signedIn,
    )
    .post(
      "/account/trusted-browsers/:id/revoke",
      async (ctx) => {
        await ctx.auth.account.revokeTrustedBrowser(ctx.user, ctx.params.id, ctx.meta());
        return afterListChange(ctx, "trusted-browsers");
      },
      { ...signedIn, params: t.Object({ id: t.String() }) },
    );
