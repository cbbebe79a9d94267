import { Elysia, t } from "elysia";
import { isRefused } from "../../auth";
import { accountAnswers, type Changed } from "../account-answer";
import type { AuthKit } from "../kit";
import { describeRevoked, wordsFor } from "../messages";
import { goTo, refusalStatus } from "../respond";

/**
 * The gate of every account route. A new object each time: Elysia writes a macro's hooks into
 * the options object it is given, so a shared one would carry one app's gate into the next.
 */
const signedIn = () => ({ sessionAt: ["signed_in"] as "signed_in"[] });
const passwordChangeFields = {
  current_password: "password",
  new_password: "new password",
  confirm: "confirmation",
} as const;
const passwordChanged = "Password changed. Every other session was signed out and every trusted browser forgotten.";

export const accountRoutes = ({ gates, auth, paths, pages, clock, policies }: AuthKit) => {
  const answer = accountAnswers({ auth, paths, pages, ...policies });
  type Ctx = Parameters<typeof answer>[0];
  /** A refused form: its panel again, saying why; 429 with Retry-After when the proof is locked. */
  const refused = (ctx: Ctx, changed: Changed, lockedUntil: number | undefined) =>
    answer(ctx, changed, refusalStatus(ctx.set, clock, lockedUntil));
  /** After an action on a list: with htmx, the lists; without, back to the page at that list. */
  const afterListChange = (ctx: Ctx, list: "sessions" | "trusted-browsers") =>
    ctx.fragment ? answer(ctx, { list }) : goTo(ctx, `${paths.account}#${list}`);
  const backToTwoFactor = (ctx: Ctx) => goTo(ctx, `${paths.account}#two-factor`);
  const current = (ctx: Ctx) => ({ session: ctx.session, user: ctx.user });

  return new Elysia({ name: "account-routes", seed: gates.config.seed })
    .use(gates)
    .get(
      paths.account,
      // Without JavaScript, a password change lands here by a redirect: say it worked.
      (ctx) =>
        answer(ctx, ctx.query.done === "password" ? { password: { notice: passwordChanged } } : { nothing: true }),
      { ...signedIn(), query: t.Object({ done: t.Optional(t.String()) }) },
    )
    .post(
      paths.recoveryCodes,
      async (ctx) => {
        const result = await auth.account.regenerateRecoveryCodes(ctx.user, ctx.body.otp, ctx.meta());
        if (isRefused(result)) {
          const regenerateError = wordsFor(result, { otp: "code" }, clock()).otp;
          return refused(ctx, { twoFactor: { status: { regenerateError } } }, result.lockedUntil);
        }
        return answer(ctx, { twoFactor: { status: { newCodes: result.codes } } });
      },
      { ...signedIn(), body: t.Object({ otp: t.String() }) },
    )
    .post(
      paths.resetTwoFactor,
      async (ctx) => {
        const { password, otp } = ctx.body;
        const result = await auth.account.startAuthenticatorReset(current(ctx), password, otp, ctx.meta());
        if (isRefused(result)) {
          const resetErrors = wordsFor(result, { password: "password", otp: "code" }, clock());
          return refused(ctx, { twoFactor: { status: { resetErrors } } }, result.lockedUntil);
        }
        // The new key is held on the session: without JavaScript, the page shows it until it is confirmed.
        if (!ctx.fragment) return backToTwoFactor(ctx);
        return answer(ctx, { twoFactor: { newKey: result } });
      },
      { ...signedIn(), body: t.Object({ password: t.String(), otp: t.String() }) },
    )
    .post(
      paths.confirmReset,
      async (ctx) => {
        const result = await auth.account.confirmAuthenticatorReset(current(ctx), ctx.body.otp, ctx.meta());
        if (!result) return backToTwoFactor(ctx); // nothing pending, or its time is up
        if (isRefused(result)) {
          const resetError = wordsFor(result, { otp: "code" }, clock()).otp ?? "";
          return refused(ctx, { twoFactor: { resetError } }, result.lockedUntil);
        }
        const notice = `Your new authenticator app is linked, and the old one no longer works. ${describeRevoked(result.revoked)}.`;
        return answer(ctx, { twoFactor: { status: { newCodes: result.recoveryCodes, notice } } });
      },
      { ...signedIn(), body: t.Object({ otp: t.String() }) },
    )
    .post(
      paths.cancelReset,
      async (ctx) => {
        await auth.account.cancelAuthenticatorReset(current(ctx));
        return ctx.fragment ? answer(ctx, { twoFactor: { status: {} } }) : backToTwoFactor(ctx);
      },
      signedIn(),
    )
    .post(
      paths.password,
      async (ctx) => {
        const result = await auth.account.changePassword(current(ctx), ctx.body, ctx.meta());
        if (isRefused(result)) {
          const errors = wordsFor(result, passwordChangeFields, clock());
          return refused(ctx, { password: { errors } }, result.lockedUntil);
        }
        ctx.startSession(result.session);
        if (!ctx.fragment) return goTo(ctx, `${paths.account}?done=password#password`);
        // This session went on under a new token: the list marks that one as this browser.
        const renewed = await auth.session(result.session.token);
        if (!renewed) return goTo(ctx, paths.login);
        return answer({ ...ctx, session: renewed.session }, { password: { notice: passwordChanged } });
      },
      {
        ...signedIn(),
        body: t.Object({ current_password: t.String(), new_password: t.String(), confirm: t.String() }),
      },
    )
    .post(
      paths.revokeOtherSessions,
      async (ctx) => {
        await auth.account.revokeOtherSessions(current(ctx), ctx.meta());
        return afterListChange(ctx, "sessions");
      },
      signedIn(),
    )
    .post(
      paths.revokeSession,
      async (ctx) => {
        // Ending this very session is signing out.
        if (ctx.params.id === ctx.session.id) {
          await auth.signOut(ctx.session, ctx.meta());
          ctx.endSession();
          return goTo(ctx, paths.login);
        }
        await auth.account.revokeSession(ctx.user, ctx.params.id, ctx.meta());
        return afterListChange(ctx, "sessions");
      },
      { ...signedIn(), params: t.Object({ id: t.String() }) },
    )
    .post(
      paths.revokeAllTrustedBrowsers,
      async (ctx) => {
        await auth.account.revokeAllTrustedBrowsers(ctx.user, ctx.meta());
        return afterListChange(ctx, "trusted-browsers");
      },
      signedIn(),
    )
    .post(
      paths.revokeTrustedBrowser,
      async (ctx) => {
        await auth.account.revokeTrustedBrowser(ctx.user, ctx.params.id, ctx.meta());
        return afterListChange(ctx, "trusted-browsers");
      },
      { ...signedIn(), params: t.Object({ id: t.String() }) },
    );
};
