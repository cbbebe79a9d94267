import { Elysia, t } from "elysia";
import { isRefusal } from "../../auth";
import { RecoveryCodesPage } from "../../views/pages/RecoveryCodesPage";
import { SetupPage } from "../../views/pages/SetupPage";
import { VerifyPage } from "../../views/pages/VerifyPage";
import type { RequestContext } from "../context";
import { keyToScan } from "../qr";
import { goTo, page, refusalStatus } from "../respond";

const codeTitle = "Enter your code";
const codeSteps = { sessionAt: ["/setup-2fa", "/verify-2fa"] as ("/setup-2fa" | "/verify-2fa")[] };
/** `?recovery` asks for a recovery code: offered once 2FA is on, the only time recovery codes exist. */
const recoveryQuery = t.Object({ recovery: t.Optional(t.String()) });

export const twoFactorRoutes = (context: RequestContext) =>
  new Elysia({ name: "two-factor-routes" })
    .use(context)
    .get(
      "/setup-2fa",
      async (ctx) => {
        const enrollment = await ctx.auth.enrollment(ctx.user);
        // Once 2FA is on, the key is never shown again.
        if (!enrollment) return goTo(ctx, "/verify-2fa");
        const key = await keyToScan(enrollment, ctx.config.appName, ctx.user.username);
        const content = <SetupPage csrfToken={ctx.csrfToken} {...key} />;
        return page(ctx, "Link your authenticator app", content);
      },
      { sessionAt: ["/setup-2fa"] },
    )
    .get(
      "/verify-2fa",
      (ctx) => {
        const enrolling = !ctx.user.totpEnabledAt;
        const recovery = !enrolling && ctx.query.recovery !== undefined;
        const content = (
          <VerifyPage
            csrfToken={ctx.csrfToken}
            appName={ctx.config.appName}
            enrolling={enrolling}
            recovery={recovery}
          />
        );
        return page(ctx, codeTitle, content);
      },
      { ...codeSteps, query: recoveryQuery },
    )
    .post(
      "/verify-2fa",
      async (ctx) => {
        const enrolling = !ctx.user.totpEnabledAt;
        const remember = ctx.body.remember !== undefined;
        const current = { session: ctx.session, user: ctx.user };
        const result = await ctx.auth.verifyCode(current, ctx.body.otp, ctx.meta(), remember);
        if (isRefusal(result)) {
          const content = (
            <VerifyPage
              csrfToken={ctx.csrfToken}
              appName={ctx.config.appName}
              enrolling={enrolling}
              recovery={!enrolling && ctx.query.recovery !== undefined}
              remember={remember}
              error={result.error}
            />
          );
          return page(ctx, codeTitle, content, refusalStatus(ctx, result.lockedUntil));
        }
        ctx.startSession(result.session);
        if (result.trustedBrowser) ctx.trustBrowser(result.trustedBrowser);
        if (!result.recoveryCodes) return goTo(ctx, "/");
        // Shown in the answer itself, never stored in plain text: a reload cannot show them again.
        const content = (
          <RecoveryCodesPage appName={ctx.config.appName} username={ctx.user.username} codes={result.recoveryCodes} />
        );
        return page(ctx, "Save your recovery codes", content);
      },
      {
        ...codeSteps,
        query: recoveryQuery,
        // An unticked checkbox sends nothing; a ticked one sends "on".
        body: t.Object({ otp: t.String(), remember: t.Optional(t.String()) }),
      },
    );
