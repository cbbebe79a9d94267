import { Elysia, t } from "elysia";
import { type CodeAccepted, type Failure, isFailure, type SecondFactors, type User } from "../../auth";
import { describeDevice } from "../../views/device";
import { RecoveryCodesPage } from "../../views/pages/RecoveryCodesPage";
import { SetupPage } from "../../views/pages/SetupPage";
import { VerifyPage, type VerifyPageProps } from "../../views/pages/VerifyPage";
import type { Visit } from "../gates/visit";
import type { AuthKit } from "../kit";
import { wordsFor } from "../messages";
import { keyToScan } from "../qr";
import { goTo, type PageContext, refusalStatus } from "../respond";
import { ceremonyOptions } from "../webauthn-answer";

const codeTitle = "Enter your code";
const setupTitle = "Link your authenticator app";
/** `?recovery` asks for a recovery code: offered once 2FA is on, the only time recovery codes exist. */
const recoveryQuery = t.Object({ recovery: t.Optional(t.String()) });
// An unticked checkbox sends nothing; a ticked one sends "on".
const remember = t.Optional(t.String());
/** A WebAuthn answer, as public/webauthn.js puts it in the form: JSON, checked by the domain. */
const webauthnAnswer = t.Object({ credential: t.String(), remember });

// Handlers name the fields they use: see GateContext in gates/context.ts for why.
export const twoFactorRoutes = ({ gates, auth, paths, pages, clock, policies }: AuthKit) => {
  const { appName } = pages;
  const { trustedBrowserDays } = policies;
  const verifyPage = (
    csrfToken: string,
    enrolling: boolean,
    recovery: boolean,
    factors: SecondFactors,
    extra: Partial<VerifyPageProps> = {},
  ) => (
    <VerifyPage
      factors={factors}
      paths={paths}
      csrfToken={csrfToken}
      appName={appName}
      trustedBrowserDays={trustedBrowserDays}
      enrolling={enrolling}
      recovery={recovery}
      {...extra}
    />
  );

  /** Whatever the factor: the new session's cookies, then home, or the recovery codes when 2FA just went on. */
  function afterSecondStep(visit: Visit, username: string, result: CodeAccepted) {
    visit.startSession(result.session);
    if (result.trustedBrowser) visit.trustBrowser(result.trustedBrowser);
    if (!result.recoveryCodes) return goTo(visit, paths.home, true);
    // Shown in the answer itself, never stored in plain text: a reload cannot show them again.
    const content = (
      <RecoveryCodesPage paths={paths} appName={appName} username={username} codes={result.recoveryCodes} />
    );
    return pages.page(visit, "Save your recovery codes", content);
  }

  /**
   * The code step again after a refused code or key, the refusal said beside the factor it
   * was about, with the status it calls for (429 while locked).
   */
  async function refusedSecondStep(
    ctx: PageContext,
    user: User,
    result: Failure,
    shown: { by: "code" | "key"; enrolling: boolean; recovery: boolean; remember: boolean },
  ) {
    const words = wordsFor(result, { otp: "code" }, clock()).otp;
    const factors = await auth.secondFactors(user);
    const said = shown.by === "code" ? { error: words } : { webauthnError: words };
    const content = verifyPage(ctx.csrfToken, shown.enrolling, shown.recovery, factors, {
      remember: shown.remember,
      ...said,
    });
    return pages.page(ctx, codeTitle, content, refusalStatus(ctx.set, clock, result.lockedUntil));
  }

  /**
   * The setup page with the key being enrolled, and why a passkey offered instead was refused;
   * once 2FA is on, the key is never shown again: the code step instead.
   */
  async function setupPage(ctx: PageContext, user: User, webauthnError?: string, status = 200) {
    const enrollment = await auth.enrollment(user);
    if (!enrollment) return goTo(ctx, paths.verify);
    const key = await keyToScan(enrollment, appName, user.username);
    const content = (
      <SetupPage
        paths={paths}
        csrfToken={ctx.csrfToken}
        trustedBrowserDays={trustedBrowserDays}
        webauthnError={webauthnError}
        {...key}
      />
    );
    return pages.page(ctx, setupTitle, content, status);
  }

  return new Elysia({ name: "two-factor-routes", seed: gates.config.seed })
    .use(gates)
    .get(paths.setup, ({ visit }) => setupPage(visit, visit.user), { sessionAt: ["enrolling"] })
    .post(
      paths.setupWebAuthnOptions,
      async ({ visit }) => ceremonyOptions(visit.set, await auth.enrollmentOptions(visit, "either")),
      { sessionAt: ["enrolling"] },
    )
    .post(
      paths.setupWebAuthn,
      async ({ body, request, visit }) => {
        const name = describeDevice(request.headers.get("user-agent"));
        const remembered = body.remember !== undefined;
        const result = await auth.enrollWithWebAuthn(visit, body.credential, name, visit.meta(), remembered);
        if (isFailure(result)) {
          const webauthnError = wordsFor(result, { otp: "code" }, clock()).otp;
          return setupPage(visit, visit.user, webauthnError, 422);
        }
        return afterSecondStep(visit, visit.user.username, result);
      },
      { sessionAt: ["enrolling"], body: webauthnAnswer },
    )
    .get(
      paths.verify,
      async ({ query, visit }) => {
        const { user } = visit;
        const enrolling = !user.twoFactorEnabledAt;
        const recovery = !enrolling && query.recovery !== undefined;
        const factors = await auth.secondFactors(user);
        // The same page for everyone at this step with these factors: drawn once for each.
        const variant = JSON.stringify([enrolling, recovery, factors.app, factors.webauthn]);
        return pages.blankFormPage(
          visit,
          codeTitle,
          (token) => verifyPage(token, enrolling, recovery, factors),
          variant,
        );
      },
      { sessionAt: ["enrolling", "verifying"], query: recoveryQuery },
    )
    .post(
      paths.verify,
      async ({ body, query, visit }) => {
        const { user } = visit;
        const enrolling = !user.twoFactorEnabledAt;
        const remembered = body.remember !== undefined;
        const result = await auth.verifyCode(visit, body.otp, visit.meta(), remembered);
        if (isFailure(result)) {
          const recovery = !enrolling && query.recovery !== undefined;
          const shown = { by: "code", enrolling, recovery, remember: remembered } as const;
          return refusedSecondStep(visit, user, result, shown);
        }
        return afterSecondStep(visit, user.username, result);
      },
      { sessionAt: ["enrolling", "verifying"], query: recoveryQuery, body: t.Object({ otp: t.String(), remember }) },
    )
    .post(
      paths.verifyWebAuthnOptions,
      async ({ visit }) => ceremonyOptions(visit.set, await auth.secondStepOptions(visit)),
      { sessionAt: ["verifying"] },
    )
    .post(
      paths.verifyWebAuthn,
      async ({ body, visit }) => {
        const remembered = body.remember !== undefined;
        const result = await auth.verifyWebAuthn(visit, body.credential, visit.meta(), remembered);
        if (isFailure(result)) {
          const shown = { by: "key", enrolling: false, recovery: false, remember: remembered } as const;
          return refusedSecondStep(visit, visit.user, result, shown);
        }
        return afterSecondStep(visit, visit.user.username, result);
      },
      { sessionAt: ["verifying"], body: webauthnAnswer },
    );
};
