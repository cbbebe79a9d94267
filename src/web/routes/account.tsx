import { Elysia, NotFoundError, t } from "elysia";
import { EMAIL_LINK_HOURS, isFailure } from "../../auth";
import { withToken } from "../../paths";
import { describeEvent } from "../../views/account/SecurityLogPanel";
import { describeDevice } from "../../views/device";
import { type AccountContext, accountAnswers, type Changed } from "../account-answer";
import { onlyAt } from "../gates";
import type { Visit } from "../gates/visit";
import { HttpError } from "../http-error";
import type { AuthKit } from "../kit";
import { confirmationMail } from "../mail";
import { describeRevoked, fieldsOf, wordsFor } from "../messages";
import { logUnexpected } from "../operations";
import { goTo, refusalStatus } from "../respond";
import { ceremonyOptions } from "../webauthn-answer";

const passwordChangeFields = {
  current_password: "password",
  new_password: "new password",
  confirm: "confirmation",
} as const;
const passwordChanged = "Password changed. Every other session was signed out and every trusted browser forgotten.";
/** The proof of a sensitive action: a code, or the answer of a passkey or security key (then the code is empty). */
const factorProof = { otp: t.String(), assertion: t.Optional(t.String()) };
const proofOf = (body: { otp: string; assertion?: string }) => ({ otp: body.otp, assertion: body.assertion ?? "" });
/** What the account page is drawn from, as a plain object a handler may change a part of (a renewed session, a user just written). */
const accountContextOf = ({ set, fragment, csrfToken, user, session, trustedBrowserToken }: Visit): AccountContext => ({
  set,
  fragment,
  csrfToken,
  user,
  session,
  trustedBrowserToken,
});
const credentialKind = t.Union([t.Literal("passkey"), t.Literal("security_key")]);
const hostDeletionFailed = new HttpError(
  503,
  "Your account was not deleted",
  "Something went wrong on our side while deleting it, and nothing was deleted. Try again in a moment.",
  { "retry-after": "5" },
);

// Handlers name the fields they use: see GateContext in gates/context.ts for why.
export const accountRoutes = ({ gates, auth, paths, pages, clock, policies, rpId, hooks, appOrigin }: AuthKit) => {
  const answer = accountAnswers({ auth, paths, pages, rpId, ...policies, mailConfigured: hooks.mail !== null });
  /** A refused form: its panel again, saying why; 429 with Retry-After when the proof is locked. */
  const refused = (visit: Visit, changed: Changed, lockedUntil: number | undefined) =>
    answer(visit, changed, refusalStatus(visit.set, clock, lockedUntil));
  /** After an action on a list: with htmx, the lists; without, back to the page at that list. */
  const afterListChange = (visit: Visit, list: "sessions" | "trusted-browsers") =>
    visit.fragment ? answer(visit, { list }) : goTo(visit, `${paths.account}#${list}`);
  const backToTwoFactor = (visit: Visit) => goTo(visit, `${paths.account}#two-factor`);
  /** The host's deletion of its own data: a failure of it is logged, and deletes nothing of the auth's. */
  const deleteHostData = async (userId: number) => {
    try {
      await hooks.onAccountDeleted(userId);
    } catch (error) {
      logUnexpected("the host's onAccountDeleted", error);
      throw hostDeletionFailed;
    }
  };

  return new Elysia({ name: "account-routes", seed: gates.config.seed })
    .use(gates)
    .guard(onlyAt("signed_in"), (account) =>
      account
        .get(
          paths.account,
          // Without JavaScript, a password change lands here by a redirect: say it worked.
          ({ query, visit }) =>
            answer(visit, query.done === "password" ? { password: { notice: passwordChanged } } : { nothing: true }),
          { query: t.Object({ done: t.Optional(t.String()) }) },
        )
        .post(
          paths.recoveryCodes,
          async ({ body, visit }) => {
            const result = await auth.account.regenerateRecoveryCodes(visit, proofOf(body), visit.meta());
            if (isFailure(result)) {
              const regenerateError = wordsFor(result, { otp: "code" }, clock()).otp;
              return refused(visit, { twoFactor: { status: { regenerateError } } }, result.lockedUntil);
            }
            return answer(visit, { twoFactor: { status: { newCodes: result.codes } } });
          },
          { body: t.Object(factorProof) },
        )
        .post(
          paths.resetTwoFactor,
          async ({ body, visit }) => {
            const result = await auth.account.startAuthenticatorReset(
              visit,
              body.password,
              proofOf(body),
              visit.meta(),
            );
            if (isFailure(result)) {
              const resetErrors = wordsFor(
                result,
                { password: "password", otp: "code" },
                clock(),
                fieldsOf.passwordAndFactor,
              );
              return refused(visit, { twoFactor: { status: { resetErrors } } }, result.lockedUntil);
            }
            // The new key is held on the session: without JavaScript, the page shows it until it is confirmed.
            if (!visit.fragment) return backToTwoFactor(visit);
            return answer(visit, { twoFactor: { newKey: result } });
          },
          { body: t.Object({ password: t.String(), ...factorProof }) },
        )
        .post(
          paths.confirmReset,
          async ({ body, visit }) => {
            const result = await auth.account.confirmAuthenticatorReset(visit, body.otp, visit.meta());
            // Nothing pending, or its time is up: the panel as it is.
            if (isFailure(result) && result.reason === "reset_not_pending") return backToTwoFactor(visit);
            if (isFailure(result)) {
              const resetError = wordsFor(result, { otp: "code" }, clock()).otp ?? "";
              return refused(visit, { twoFactor: { resetError } }, result.lockedUntil);
            }
            const linked = visit.user.totpEnabledAt
              ? "Your new authenticator app is linked, and the old one no longer works."
              : "Your authenticator app is linked.";
            const notice = `${linked} ${describeRevoked(result.revoked)}.`;
            return answer(visit, { twoFactor: { status: { newCodes: result.recoveryCodes, notice } } });
          },
          { body: t.Object({ otp: t.String() }) },
        )
        .post(paths.cancelReset, async ({ visit }) => {
          await auth.account.cancelAuthenticatorReset(visit);
          return visit.fragment ? answer(visit, { twoFactor: { status: {} } }) : backToTwoFactor(visit);
        })
        .post(
          paths.password,
          async ({ body, visit }) => {
            const result = await auth.account.changePassword(visit, body, visit.meta());
            if (isFailure(result)) {
              const errors = wordsFor(result, passwordChangeFields, clock(), fieldsOf.passwordChange);
              return refused(visit, { password: { errors } }, result.lockedUntil);
            }
            visit.startSession(result.session);
            if (!visit.fragment) return goTo(visit, `${paths.account}?done=password#password`);
            // This session went on under a new token: the list marks that one as this browser.
            const renewed = await auth.session(result.session.token);
            if (!renewed) return goTo(visit, paths.login);
            return answer(
              { ...accountContextOf(visit), session: renewed.session },
              { password: { notice: passwordChanged } },
            );
          },
          {
            body: t.Object({ current_password: t.String(), new_password: t.String(), confirm: t.String() }),
          },
        )
        .post(paths.revokeOtherSessions, async ({ visit }) => {
          await auth.account.revokeOtherSessions(visit, visit.meta());
          return afterListChange(visit, "sessions");
        })
        .post(
          paths.revokeSession,
          async ({ params, visit }) => {
            // Ending this very session is signing out.
            if (params.id === visit.session.id) {
              await auth.signOut(visit.session, visit.meta());
              visit.endSession();
              return goTo(visit, paths.login);
            }
            await auth.account.revokeSession(visit.user, params.id, visit.meta());
            return afterListChange(visit, "sessions");
          },
          { params: t.Object({ id: t.String() }) },
        )
        .post(paths.revokeAllTrustedBrowsers, async ({ visit }) => {
          await auth.account.revokeAllTrustedBrowsers(visit.user, visit.meta());
          return afterListChange(visit, "trusted-browsers");
        })
        .post(
          paths.revokeTrustedBrowser,
          async ({ params, visit }) => {
            await auth.account.revokeTrustedBrowser(visit.user, params.id, visit.meta());
            return afterListChange(visit, "trusted-browsers");
          },
          { params: t.Object({ id: t.String() }) },
        )
        .post(
          paths.credentialOptions,
          async ({ body, visit }) =>
            ceremonyOptions(visit.set, await auth.account.addCredentialOptions(visit, body.kind)),
          { body: t.Object({ kind: credentialKind }) },
        )
        .post(paths.proofOptions, async ({ visit }) =>
          ceremonyOptions(visit.set, await auth.account.proofOptions(visit)),
        )
        .post(
          paths.addCredential,
          async ({ body, request, visit }) => {
            // Unnamed, it is named after the browser it was added in: "Chrome on macOS".
            const name = body.name.trim() || describeDevice(request.headers.get("user-agent"));
            const form = { kind: body.kind, name, credential: body.credential, ...proofOf(body) };
            const result = await auth.account.addCredential(visit, form, visit.meta());
            if (isFailure(result)) {
              const kinds = { name: "credential name", otp: "code", credential: "code" } as const;
              const add = wordsFor(result, kinds, clock(), fieldsOf.newCredential);
              return refused(visit, { credentials: { errors: { add } } }, result.lockedUntil);
            }
            const notice = `${result.added.kind === "passkey" ? "Passkey" : "Security key"} “${result.added.name}” added.`;
            return visit.fragment
              ? answer(visit, { credentials: { notice } })
              : goTo(visit, `${paths.account}#passkeys`);
          },
          {
            body: t.Object({ kind: credentialKind, name: t.String(), credential: t.String(), ...factorProof }),
          },
        )
        .post(
          paths.renameCredential,
          async ({ params, body, visit }) => {
            const result = await auth.account.renameCredential(visit.user, params.id, body.name, visit.meta());
            // Not theirs, or gone: the list as it is, which shows no such credential.
            const unknown = isFailure(result) && result.reason === "credential_unknown";
            if (isFailure(result) && !unknown) {
              const rename = { id: params.id, name: wordsFor(result, { name: "credential name" }, clock()).name ?? "" };
              return refused(visit, { credentials: { errors: { rename } } }, undefined);
            }
            if (!visit.fragment) return goTo(visit, `${paths.account}#passkeys`);
            return answer(visit, { credentials: { notice: unknown ? undefined : "Renamed.", signal: !unknown } });
          },
          { params: t.Object({ id: t.String() }), body: t.Object({ name: t.String() }) },
        )
        .post(
          paths.removeCredential,
          async ({ params, body, visit }) => {
            const result = await auth.account.removeCredential(visit, params.id, proofOf(body), visit.meta());
            const unknown = isFailure(result) && result.reason === "credential_unknown";
            if (isFailure(result) && !unknown) {
              const remove = { id: params.id, otp: wordsFor(result, { otp: "code" }, clock()).otp ?? "" };
              return refused(visit, { credentials: { errors: { remove } } }, result.lockedUntil);
            }
            if (!visit.fragment) return goTo(visit, `${paths.account}#passkeys`);
            const notice = isFailure(result)
              ? undefined
              : `“${result.removed.name}” removed. It no longer signs you in.`;
            return answer(visit, { credentials: { notice, signal: !unknown } });
          },
          { params: t.Object({ id: t.String() }), body: t.Object(factorProof) },
        )
        .post(
          paths.noticeEmail,
          async ({ body, visit }) => {
            const { mail } = hooks;
            if (!mail) throw new NotFoundError();
            const result = await auth.notices.setEmail(visit, body.email, proofOf(body), visit.meta());
            if (isFailure(result)) {
              const errors = wordsFor(result, { email: "email", otp: "code" }, clock(), fieldsOf.emailAndFactor);
              return refused(visit, { noticeEmail: { errors } }, result.lockedUntil);
            }
            const link = `${appOrigin}${withToken(paths.confirmNoticeEmail, result.token)}`;
            const message = confirmationMail(pages.appName, visit.user.username, result.email, link, EMAIL_LINK_HOURS);
            const sent = await mail.send(message).then(
              () => true,
              (error: unknown) => {
                logUnexpected("sending a confirmation email", error);
                return false;
              },
            );
            const notice = sent
              ? `We sent a link to ${result.email}. Open it to confirm the address.`
              : `The email to ${result.email} could not be sent. Try again in a while.`;
            // The address as stored now, waiting for its link.
            const user = { ...visit.user, noticeEmail: result.email, noticeEmailConfirmedAt: null };
            return answer({ ...accountContextOf(visit), user }, { noticeEmail: { notice } }, sent ? 200 : 503);
          },
          { body: t.Object({ email: t.String(), ...factorProof }) },
        )
        .post(
          paths.removeNoticeEmail,
          async ({ body, visit }) => {
            if (!hooks.mail) throw new NotFoundError();
            const result = await auth.notices.removeEmail(visit, proofOf(body), visit.meta());
            if (isFailure(result)) {
              const errors = wordsFor(result, { otp: "code" }, clock());
              return refused(visit, { noticeEmail: { errors } }, result.lockedUntil);
            }
            const user = { ...visit.user, noticeEmail: null, noticeEmailConfirmedAt: null };
            return answer(
              { ...accountContextOf(visit), user },
              { noticeEmail: { notice: "Security notices are no longer emailed." } },
            );
          },
          { body: t.Object(factorProof) },
        )
        .get(paths.securityLog, async ({ visit }) => {
          const { user, set } = visit;
          const events = await auth.account.securityLog(user);
          Object.assign(set.headers, pages.securityHeaders);
          set.headers["content-type"] = "application/json; charset=utf-8";
          // Usernames are letters, digits and _ . -: nothing that could break out of the quotes.
          set.headers["content-disposition"] = `attachment; filename="security-log-${user.username}.json"`;
          set.headers["cache-control"] = "no-store";
          const log = {
            username: user.username,
            downloadedAt: new Date(clock()).toISOString(),
            events: events.map((event) => ({
              at: new Date(event.createdAt).toISOString(),
              type: event.type,
              description: describeEvent(event),
              detail: event.detail,
              ip: event.ip,
              browser: describeDevice(event.userAgent),
              userAgent: event.userAgent,
            })),
          };
          return JSON.stringify(log, null, 2);
        })
        .post(
          paths.deleteAccount,
          async ({ body, visit }) => {
            const result = await auth.account.deleteAccount(
              visit,
              body.password,
              proofOf(body),
              visit.meta(),
              deleteHostData,
            );
            if (isFailure(result)) {
              const errors = wordsFor(
                result,
                { password: "password", otp: "code" },
                clock(),
                fieldsOf.passwordAndFactor,
              );
              return refused(visit, { deletion: { errors } }, result.lockedUntil);
            }
            visit.endSession({ forgetBrowser: true });
            // A whole new page, with htmx too: nothing of the account's stays on screen.
            return goTo(visit, `${paths.login}?done=deleted`, true);
          },
          { body: t.Object({ password: t.String(), ...factorProof }) },
        ),
    );
};
