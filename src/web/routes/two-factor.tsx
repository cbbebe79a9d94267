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

// Handlers name the fields they use: see GateContext in gates.ts for why.
export const twoFactorRoutes = ({ gates, auth, paths, pages, clock, policies }: AuthKit) => {
  const { appName } = pages;
  const verifyPage = (csrfToken: string, enrolling: boolean, recovery: boolean, extra = {}) => (
    <VerifyPage
      paths={paths}
      csrfToken={csrfToken}
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
      async ({ set, fragment, csrfToken, user }) => {
        const enrollment = await auth.enrollment(user);
        // Once 2FA is on, the key is never shown again.
        if (!enrollment) return goTo({ set, fragment }, paths.verify);
        const key = await keyToScan(enrollment, appName, user.username);
        const content = <SetupPage paths={paths} csrfToken={csrfToken} {...key} />;
        return pages.page({ set, fragment, csrfToken }, "Link your authenticator app", content);
      },
      { sessionAt: ["enrolling"] },
    )
    .get(
      paths.verify,
      ({ query, set, fragment, csrfToken, user }) => {
        const enrolling = !user.totpEnabledAt;
        const content = verifyPage(csrfToken, enrolling, !enrolling && query.recovery !== undefined);
        return pages.page({ set, fragment, csrfToken }, codeTitle, content);
      },
      { sessionAt: ["enrolling", "verifying"], query: recoveryQuery },
    )
    .post(
      paths.verify,
      async ({ body, query, set, fragment, csrfToken, session, user, meta, startSession, trustBrowser }) => {
        const enrolling = !user.totpEnabledAt;
        const remember = body.remember !== undefined;
        const result = await auth.verifyCode({ session, user }, body.otp, meta(), remember);
        if (isRefused(result)) {
          const recovery = !enrolling && query.recovery !== undefined;
          const error = wordsFor(result, { otp: "code" }, clock()).otp;
          const content = verifyPage(csrfToken, enrolling, recovery, { remember, error });
          const status = refusalStatus(set, clock, result.lockedUntil);
          return pages.page({ set, fragment, csrfToken }, codeTitle, content, status);
        }
        const nextCsrfToken = startSession(result.session);
        if (result.trustedBrowser) trustBrowser(result.trustedBrowser);
        if (!result.recoveryCodes) return goTo({ set, fragment }, paths.home);
        // Shown in the answer itself, never stored in plain text: a reload cannot show them again.
        const content = (
          <RecoveryCodesPage paths={paths} appName={appName} username={user.username} codes={result.recoveryCodes} />
        );
        return pages.page({ set, fragment, csrfToken: nextCsrfToken }, "Save your recovery codes", content);
      },
      {
        sessionAt: ["enrolling", "verifying"],
        query: recoveryQuery,
        // An unticked checkbox sends nothing; a ticked one sends "on".
        body: t.Object({ otp: t.String(), remember: t.Optional(t.String()) }),
      },
    );
};
