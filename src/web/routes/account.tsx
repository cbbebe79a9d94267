import { Elysia, t } from "elysia";
import { isRefused } from "../../auth";
import { describeDevice } from "../../views/device";
import { accountAnswers, type Changed } from "../account-answer";
import type { AuthKit } from "../kit";
import { describeRevoked, wordsFor } from "../messages";
import { goTo, refusalStatus } from "../respond";
import { ceremonyOptions } from "../webauthn-answer";

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
/** The proof of a sensitive action: a code, or the answer of a passkey or security key (then the code is empty). */
const factorProof = { otp: t.String(), assertion: t.Optional(t.String()) };
const proofOf = (body: { otp: string; assertion?: string }) => ({ otp: body.otp, assertion: body.assertion ?? "" });
const credentialKind = t.Union([t.Literal("passkey"), t.Literal("security_key")]);

// Handlers name the fields they use: see GateContext in gates/context.ts for why.
export const accountRoutes = ({ gates, auth, paths, pages, clock, policies, rpId }: AuthKit) => {
  const answer = accountAnswers({ auth, paths, pages, rpId, ...policies });
  type Ctx = Parameters<typeof answer>[0];
  /** A refused form: its panel again, saying why; 429 with Retry-After when the proof is locked. */
  const refused = (ctx: Ctx, changed: Changed, lockedUntil: number | undefined) =>
    answer(ctx, changed, refusalStatus(ctx.set, clock, lockedUntil));
  /** After an action on a list: with htmx, the lists; without, back to the page at that list. */
  const afterListChange = (ctx: Ctx, list: "sessions" | "trusted-browsers") =>
    ctx.fragment ? answer(ctx, { list }) : goTo(ctx, `${paths.account}#${list}`);
  const backToTwoFactor = (ctx: Ctx) => goTo(ctx, `${paths.account}#two-factor`);

  return new Elysia({ name: "account-routes", seed: gates.config.seed })
    .use(gates)
    .get(
      paths.account,
      // Without JavaScript, a password change lands here by a redirect: say it worked.
      ({ query, set, fragment, csrfToken, session, user, visit }) =>
        answer(
          { set, fragment, csrfToken, session, user, visit },
          query.done === "password" ? { password: { notice: passwordChanged } } : { nothing: true },
        ),
      { ...signedIn(), query: t.Object({ done: t.Optional(t.String()) }) },
    )
    .post(
      paths.recoveryCodes,
      async ({ body, set, fragment, csrfToken, session, user, visit }) => {
        const ctx = { set, fragment, csrfToken, session, user, visit };
        const result = await auth.account.regenerateRecoveryCodes({ session, user }, proofOf(body), visit.meta());
        if (isRefused(result)) {
          const regenerateError = wordsFor(result, { otp: "code" }, clock()).otp;
          return refused(ctx, { twoFactor: { status: { regenerateError } } }, result.lockedUntil);
        }
        return answer(ctx, { twoFactor: { status: { newCodes: result.codes } } });
      },
      { ...signedIn(), body: t.Object(factorProof) },
    )
    .post(
      paths.resetTwoFactor,
      async ({ body, set, fragment, csrfToken, session, user, visit }) => {
        const ctx = { set, fragment, csrfToken, session, user, visit };
        const result = await auth.account.startAuthenticatorReset(
          { session, user },
          body.password,
          proofOf(body),
          visit.meta(),
        );
        if (isRefused(result)) {
          const resetErrors = wordsFor(result, { password: "password", otp: "code" }, clock());
          return refused(ctx, { twoFactor: { status: { resetErrors } } }, result.lockedUntil);
        }
        // The new key is held on the session: without JavaScript, the page shows it until it is confirmed.
        if (!fragment) return backToTwoFactor(ctx);
        return answer(ctx, { twoFactor: { newKey: result } });
      },
      { ...signedIn(), body: t.Object({ password: t.String(), ...factorProof }) },
    )
    .post(
      paths.confirmReset,
      async ({ body, set, fragment, csrfToken, session, user, visit }) => {
        const ctx = { set, fragment, csrfToken, session, user, visit };
        const result = await auth.account.confirmAuthenticatorReset({ session, user }, body.otp, visit.meta());
        if (!result) return backToTwoFactor(ctx); // nothing pending, or its time is up
        if (isRefused(result)) {
          const resetError = wordsFor(result, { otp: "code" }, clock()).otp ?? "";
          return refused(ctx, { twoFactor: { resetError } }, result.lockedUntil);
        }
        const linked = user.totpEnabledAt
          ? "Your new authenticator app is linked, and the old one no longer works."
          : "Your authenticator app is linked.";
        const notice = `${linked} ${describeRevoked(result.revoked)}.`;
        return answer(ctx, { twoFactor: { status: { newCodes: result.recoveryCodes, notice } } });
      },
      { ...signedIn(), body: t.Object({ otp: t.String() }) },
    )
    .post(
      paths.cancelReset,
      async ({ set, fragment, csrfToken, session, user, visit }) => {
        const ctx = { set, fragment, csrfToken, session, user, visit };
        await auth.account.cancelAuthenticatorReset({ session, user });
        return fragment ? answer(ctx, { twoFactor: { status: {} } }) : backToTwoFactor(ctx);
      },
      signedIn(),
    )
    .post(
      paths.password,
      async ({ body, set, fragment, csrfToken, session, user, visit }) => {
        const ctx = { set, fragment, csrfToken, session, user, visit };
        const result = await auth.account.changePassword({ session, user }, body, visit.meta());
        if (isRefused(result)) {
          const errors = wordsFor(result, passwordChangeFields, clock());
          return refused(ctx, { password: { errors } }, result.lockedUntil);
        }
        const nextCsrfToken = visit.startSession(result.session);
        if (!fragment) return goTo(ctx, `${paths.account}?done=password#password`);
        // This session went on under a new token: the list marks that one as this browser.
        const renewed = await auth.session(result.session.token);
        if (!renewed) return goTo(ctx, paths.login);
        const next = { ...ctx, session: renewed.session, csrfToken: nextCsrfToken };
        return answer(next, { password: { notice: passwordChanged } });
      },
      {
        ...signedIn(),
        body: t.Object({ current_password: t.String(), new_password: t.String(), confirm: t.String() }),
      },
    )
    .post(
      paths.revokeOtherSessions,
      async ({ set, fragment, csrfToken, session, user, visit }) => {
        await auth.account.revokeOtherSessions({ session, user }, visit.meta());
        return afterListChange({ set, fragment, csrfToken, session, user, visit }, "sessions");
      },
      signedIn(),
    )
    .post(
      paths.revokeSession,
      async ({ params, set, fragment, csrfToken, session, user, visit }) => {
        // Ending this very session is signing out.
        if (params.id === session.id) {
          await auth.signOut(session, visit.meta());
          visit.endSession();
          return goTo({ set, fragment }, paths.login);
        }
        await auth.account.revokeSession(user, params.id, visit.meta());
        return afterListChange({ set, fragment, csrfToken, session, user, visit }, "sessions");
      },
      { ...signedIn(), params: t.Object({ id: t.String() }) },
    )
    .post(
      paths.revokeAllTrustedBrowsers,
      async ({ set, fragment, csrfToken, session, user, visit }) => {
        await auth.account.revokeAllTrustedBrowsers(user, visit.meta());
        const ctx = { set, fragment, csrfToken, session, user, visit };
        return afterListChange(ctx, "trusted-browsers");
      },
      signedIn(),
    )
    .post(
      paths.revokeTrustedBrowser,
      async ({ params, set, fragment, csrfToken, session, user, visit }) => {
        await auth.account.revokeTrustedBrowser(user, params.id, visit.meta());
        const ctx = { set, fragment, csrfToken, session, user, visit };
        return afterListChange(ctx, "trusted-browsers");
      },
      { ...signedIn(), params: t.Object({ id: t.String() }) },
    )
    .post(
      paths.credentialOptions,
      async ({ body, set, session, user }) =>
        ceremonyOptions(set, await auth.account.addCredentialOptions({ session, user }, body.kind)),
      { ...signedIn(), body: t.Object({ kind: credentialKind }) },
    )
    .post(
      paths.proofOptions,
      async ({ set, session, user }) => ceremonyOptions(set, await auth.account.proofOptions({ session, user })),
      signedIn(),
    )
    .post(
      paths.addCredential,
      async ({ body, request, set, fragment, csrfToken, session, user, visit }) => {
        const ctx = { set, fragment, csrfToken, session, user, visit };
        // Unnamed, it is named after the browser it was added in: "Chrome on macOS".
        const name = body.name.trim() || describeDevice(request.headers.get("user-agent"));
        const form = { kind: body.kind, name, credential: body.credential, ...proofOf(body) };
        const result = await auth.account.addCredential({ session, user }, form, visit.meta());
        if (isRefused(result)) {
          const add = wordsFor(result, { name: "credential name", otp: "code", credential: "code" }, clock());
          return refused(ctx, { credentials: { errors: { add } } }, result.lockedUntil);
        }
        const notice = `${result.added.kind === "passkey" ? "Passkey" : "Security key"} “${result.added.name}” added.`;
        return fragment ? answer(ctx, { credentials: { notice } }) : goTo(ctx, `${paths.account}#passkeys`);
      },
      {
        ...signedIn(),
        body: t.Object({ kind: credentialKind, name: t.String(), credential: t.String(), ...factorProof }),
      },
    )
    .post(
      paths.renameCredential,
      async ({ params, body, set, fragment, csrfToken, session, user, visit }) => {
        const ctx = { set, fragment, csrfToken, session, user, visit };
        const result = await auth.account.renameCredential(user, params.id, body.name, visit.meta());
        if (result && isRefused(result)) {
          const rename = { id: params.id, name: wordsFor(result, { name: "credential name" }, clock()).name ?? "" };
          return refused(ctx, { credentials: { errors: { rename } } }, undefined);
        }
        // Not theirs, or gone: the list as it is, which shows no such credential.
        if (!fragment) return goTo(ctx, `${paths.account}#passkeys`);
        return answer(ctx, { credentials: { notice: result ? "Renamed." : undefined, signal: Boolean(result) } });
      },
      { ...signedIn(), params: t.Object({ id: t.String() }), body: t.Object({ name: t.String() }) },
    )
    .post(
      paths.removeCredential,
      async ({ params, body, set, fragment, csrfToken, session, user, visit }) => {
        const ctx = { set, fragment, csrfToken, session, user, visit };
        const result = await auth.account.removeCredential({ session, user }, params.id, proofOf(body), visit.meta());
        if (result && isRefused(result)) {
          const remove = { id: params.id, otp: wordsFor(result, { otp: "code" }, clock()).otp ?? "" };
          return refused(ctx, { credentials: { errors: { remove } } }, result.lockedUntil);
        }
        if (!fragment) return goTo(ctx, `${paths.account}#passkeys`);
        const notice = result ? `“${result.removed.name}” removed. It no longer signs you in.` : undefined;
        return answer(ctx, { credentials: { notice, signal: Boolean(result) } });
      },
      { ...signedIn(), params: t.Object({ id: t.String() }), body: t.Object(factorProof) },
    );
};
