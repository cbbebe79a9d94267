import { Elysia, t } from "elysia";
import { SetupPage } from "../../views/pages/SetupPage";
import { VerifyPage } from "../../views/pages/VerifyPage";
import type { RequestContext } from "../context";
import { qrCodeDataUrl } from "../qr";
import { goTo, page } from "../respond";

const codeTitle = "Enter your code";

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
        const content = (
          <VerifyPage csrfToken={ctx.csrfToken} appName={ctx.config.appName} enrolling={!ctx.user.totpEnabledAt} />
        );
        return page(ctx, codeTitle, content);
      },
      { sessionAt: ["/setup-2fa", "/verify-2fa"] },
    )
    .post(
      "/verify-2fa",
      async (ctx) => {
        const result = await ctx.auth.verifyCode({ session: ctx.session, user: ctx.user }, ctx.body.otp);
        if ("error" in result) {
          const content = (
            <VerifyPage
              csrfToken={ctx.csrfToken}
              appName={ctx.config.appName}
              enrolling={!ctx.user.totpEnabledAt}
              error={result.error}
            />
          );
          return page(ctx, codeTitle, content, 422);
        }
        ctx.startSession(result.session);
        return goTo(ctx, "/");
      },
      { sessionAt: ["/setup-2fa", "/verify-2fa"], body: t.Object({ otp: t.String() }) },
    );
