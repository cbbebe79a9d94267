import { Elysia, t } from "elysia";
import { isRefused } from "../../auth";
import { RecoveryCodesPage } from "../../views/pages/RecoveryCodesPage";
import { SetupPage } from "../../views/pages/SetupPage";
import { VerifyPage } from "../../views/pages/VerifyPage";
import type { AuthKit } from "../kit";
import { wordsFor } from "../messages";
import { keyToScan } from "../qr";
import { goTo, refusalStatus } from "../respond";

const codeTitle = "Enter your code";
/** `?recovery` asks for a recovery code: offered once 2FA is on, the only time recovery codes exist. */
const recoveryQuery = t.Object({ recovery: t.Optional(t.String()) });

export const twoFactorRoutes = ({ gates, auth, paths, pages, clock, policies }: AuthKit) => {
  const { appName } = pages;
  const verifyPage = (ctx: { csrfToken: string }, enrolling: boolean, recovery: boolean, extra = {}) => (
    <VerifyPage
      paths={paths}
      csrfToken={ctx.csrfToken}
      appName={appName}
      trustedBrowserDays={policies.trustedBrowserDays}
      enrolling={enrolling}
      recovery={recovery}
      {...extra}
    />
  );
  return new Elysia({ name: "two-factor-routes", seed: gates.config.seed })
    .use(gates)
    .get(
      paths.setup,
      async (ctx) => {
        const enrollment = await auth.enrollment(ctx.user);
        // Once 2FA is on, the key is never shown again.
        if (!enrollment) return goTo(ctx, paths.verify);
        const key = await keyToScan(enrollment, appName, ctx.user.username);
        return pages.page(
          ctx,
          "Link your authenticator app",
          <SetupPage paths={paths} csrfToken={ctx.csrfToken} {...key} />,
        );
      },
      { sessionAt: ["enrolling"] },
    )
    .get(
      paths.verify,
      (ctx) => {
        const enrolling = !ctx.user.totpEnabledAt;
        return pages.page(ctx, codeTitle, verifyPage(ctx, enrolling, !enrolling && ctx.query.recovery !== undefined));
      },
      { sessionAt: ["enrolling", "verifying"], query: recoveryQuery },
    )
    .post(
      paths.verify,
      async (ctx) => {
        const enrolling = !ctx.user.totpEnabledAt;
        const remember = ctx.body.remember !== undefined;
        const current = { session: ctx.session, user: ctx.user };
        const result = await auth.verifyCode(current, ctx.body.otp, ctx.meta(), remember);
        if (isRefused(result)) {
          const recovery = !enrolling && ctx.query.recovery !== undefined;
          const error = wordsFor(result, { otp: "code" }, clock()).otp;
          const content = verifyPage(ctx, enrolling, recovery, { remember, error });
          return pages.page(ctx, codeTitle, content, refusalStatus(ctx.set, clock, result.lockedUntil));
        }
        ctx.startSession(result.session);
        if (result.trustedBrowser) ctx.trustBrowser(result.trustedBrowser);
        if (!result.recoveryCodes) return goTo(ctx, paths.home);
        // Shown in the answer itself, never stored in plain text: a reload cannot show them again.
        const content = (
          <RecoveryCodesPage
            paths={paths}
            appName={appName}
            username={ctx.user.username}
            codes={result.recoveryCodes}
          />
        );
        return pages.page(ctx, "Save your recovery codes", content);
      },
      {
        sessionAt: ["enrolling", "verifying"],
        query: recoveryQuery,
        // An unticked checkbox sends nothing; a ticked one sends "on".
        body: t.Object({ otp: t.String(), remember: t.Optional(t.String()) }),
      },
    );
};
