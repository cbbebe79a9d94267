import { Elysia, t } from "elysia";
import { RecoveryCodesPage } from "../../views/pages/RecoveryCodesPage";
import { SetupPage } from "../../views/pages/SetupPage";
import { VerifyPage } from "../../views/pages/VerifyPage";
import { waitFor } from "../../views/wait";
import type { RequestContext } from "../context";
import { qrCodeDataUrl } from "../qr";
import { goTo, page, tooManyAttempts } from "../respond";

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
        const content = (
          <SetupPage
            csrfToken={ctx.csrfToken}
            appName={ctx.config.appName}
            username={ctx.user.username}
            qrCodeDataUrl={await qrCodeDataUrl(enrollment.uri)}
            secret={enrollment.key}
            groupedKey={enrollment.groupedKey}
          />
        );
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
        const result = await ctx.auth.verifyCode({ session: ctx.session, user: ctx.user }, ctx.body.otp, ctx.meta);
        if (!("session" in result)) {
          const lockedUntil = result.lockedUntil;
          const lockNotice = lockedUntil
            ? `Too many wrong codes. Try again in ${waitFor(lockedUntil, ctx.clock())}.`
            : "";
          const error = "error" in result ? `${result.error} ${lockNotice}`.trim() : lockNotice;
          const content = (
            <VerifyPage
              csrfToken={ctx.csrfToken}
              appName={ctx.config.appName}
              enrolling={enrolling}
              recovery={!enrolling && ctx.query.recovery !== undefined}
              error={error}
            />
          );
          return lockedUntil
            ? tooManyAttempts(ctx, lockedUntil, codeTitle, content)
            : page(ctx, codeTitle, content, 422);
        }
        ctx.startSession(result.session);
        if (!result.recoveryCodes) return goTo(ctx, "/");
        // Shown in the answer itself, never stored in plain text: a reload cannot show them again.
        const content = (
          <RecoveryCodesPage appName={ctx.config.appName} username={ctx.user.username} codes={result.recoveryCodes} />
        );
        return page(ctx, "Save your recovery codes", content);
      },
      { ...codeSteps, query: recoveryQuery, body: t.Object({ otp: t.String() }) },
    );
