import type { Session, SignInFactor, User } from "../../db/tables";
import {
  hashPassword,
  normalizePassword,
  PASSWORD_MAX_LENGTH,
  passwordProblem,
  samePassword,
  verifyAgainstDummy,
} from "../factors/passwords";
import type { NewTrustedBrowser } from "../factors/trusted-browsers";
import type { RegistrationKind, WebAuthnCeremonies } from "../factors/webauthn";
import { type Failure, failureOf, isFailure } from "../outcomes";
import type { Step } from "../steps";
import type { Stores } from "../stores";
import type { RequestMeta } from "../stores/events";
import { type NewSession, type SessionWithUser, type SignInNotes, sessionIdOf } from "../stores/sessions";
import { usernameProblem } from "../stores/users";
import type { Enrollment, RegistrationForm } from "../types";
import type { NewSignInProof, Proofs } from "./proofs";

/** After the password: what is left to do. */
export type CodeAccepted = {
  session: NewSession;
  /** Only when this code turned 2FA on: the recovery codes, to be shown this once. */
  recoveryCodes?: string[];
  /** Only when asked to: the cookie that lets this browser skip the code step. */
  trustedBrowser?: NewTrustedBrowser;
};

/** The factors a pending session may finish with. */
export type SecondFactors = { app: boolean; webauthn: boolean };

/**
 * Registration, sign-in and its second step, by every factor: each one a proof checked in
 * proofs.ts, and the session it earns.
 */
export function signInFlows(
  { users, sessions, totpKeys, recoveryCodes, trustedBrowsers, events, webauthn }: Stores,
  prove: Proofs,
  ceremonies: WebAuthnCeremonies,
  describeKey: (key: string, user: User) => Enrollment,
) {
  /** A sign-in in the log, and apart when it is the account's first on a browser of its kind. */
  async function recordSignIn(user: User, meta: RequestMeta, signedInWith: SignInFactor | undefined) {
    const newBrowser = !(await events.browserSeen(user.id, meta.userAgent));
    await events.record("signed_in", user.id, meta, { signedInWith });
    if (newBrowser) await events.record("signed_in_new_browser", user.id, meta);
  }

  /**
   * What follows any second factor given in a pending session, whose claim ended that session
   * with the factor's spend: the signed-in session that replaces it, this browser trusted when
   * asked, and when this factor turned 2FA on, the recovery codes.
   */
  async function finishSecondStep(
    { user }: SessionWithUser,
    proof: NewSignInProof,
    notes: SignInNotes,
    meta: RequestMeta,
    remember: boolean,
  ): Promise<CodeAccepted> {
    const signedIn = await sessions.signIn(proof, meta, notes);
    await recordSignIn(user, meta, notes.signedInWith);
    const trustedBrowser = remember ? await trustedBrowsers.create(user.id, meta) : undefined;
    if (trustedBrowser) await events.record("trusted_browser_added", user.id, meta);
    if (user.twoFactorEnabledAt) return { session: signedIn, trustedBrowser };

    await users.enableTwoFactor(user.id, notes.signedInWith === "app" ? "app" : "webauthn");
    await events.record("two_factor_enabled", user.id, meta);
    return { session: signedIn, recoveryCodes: await recoveryCodes.replaceAll(user.id), trustedBrowser };
  }

  return {
    async register(form: RegistrationForm, meta: RequestMeta): Promise<{ session: NewSession } | Failure> {
      const usernameError = usernameProblem(form.username);
      const passwordError = passwordProblem(form.password, form.username);
      const taken = !usernameError && (await users.findByUsername(form.username)) !== null;
      const invalid = failureOf(
        usernameError ?? (taken ? "username_taken" : null),
        passwordError,
        passwordError || samePassword(form.password, form.confirm) ? null : "passwords_differ",
      );
      if (invalid) return invalid;

      // The account and its first log entry are one transaction: a crash leaves both or neither.
      const user = await users.create(form.username, await hashPassword(form.password), (transaction, created) => ({
        registered: events.recordOn(transaction, "registered", created.id, meta),
      }));
      if (!user) return { reason: "username_taken" };
      return { session: await sessions.startPending(user.id, meta) };
    },

    /**
     * A new session when the password is right: pending, or signed in straight away on a
     * browser this user trusted. Unknown users and wrong passwords get the same answer in
     * the same time, and the throttle behaves alike for names with and without an account.
     */
    async checkPassword(
      username: string,
      password: string,
      meta: RequestMeta,
      trustedBrowserToken: string | null,
    ): Promise<{ session: NewSession; step: Exclude<Step, "signed_out"> } | Failure> {
      const wrong: Failure = { reason: "wrong_password" };
      if ([...normalizePassword(password)].length > PASSWORD_MAX_LENGTH) return wrong; // never accepted
      if (usernameProblem(username)) return verifyAgainstDummy(password).then(() => wrong);

      const proof = await prove.password(username, password, meta, { atSignIn: true });
      if (isFailure(proof)) return proof;
      const { user } = proof;
      if (!user.twoFactorEnabledAt) return { session: await sessions.startPending(user.id, meta), step: "enrolling" };
      // With its password disowned, only a second factor given now lets anyone in.
      const trusted =
        trustedBrowserToken &&
        !user.newPasswordRequiredAt &&
        (await prove.trustedBrowser(proof, trustedBrowserToken, meta));
      if (trusted) return { session: await sessions.signIn(trusted, meta), step: "signed_in" };
      return { session: await sessions.startPending(user.id, meta), step: "verifying" };
    },

    /** The live session behind a cookie token. */
    session: (token: string): Promise<SessionWithUser | null> => sessions.validate(sessionIdOf(token)),
    /** The same by the session's id, for a caller that has worked it out already. */
    sessionById: (id: string): Promise<SessionWithUser | null> => sessions.validate(id),

    /** The key to show while 2FA is not on yet; never once it is on. */
    async enrollment(user: User): Promise<Enrollment | null> {
      if (user.twoFactorEnabledAt) return null;
      return describeKey(await totpKeys.forEnrollment(user), user);
    },

    /** Which factors the user can give at the second step. */
    async secondFactors(user: User): Promise<SecondFactors> {
      return { app: user.totpEnabledAt !== null, webauthn: await webauthn.any(user) };
    },

    /**
     * Checks a pending session's code: a 6-digit TOTP code, or once 2FA is on, a recovery
     * code. A correct one replaces the pending session by a signed-in one, turns 2FA on if
     * needed, and when `remember` is set, trusts this browser.
     */
    async verifyCode(
      current: SessionWithUser,
      input: string,
      meta: RequestMeta,
      remember: boolean,
    ): Promise<CodeAccepted | Failure> {
      const { user } = current;
      const enabled = user.twoFactorEnabledAt !== null;
      // Enrolling, the key being linked; after, the linked one, if any: a person with only
      // passkeys may still hold an unconfirmed key from a look at the QR code, and it proves nothing.
      const key = !enabled ? await totpKeys.forEnrollment(user) : user.totpEnabledAt ? totpKeys.current(user) : null;
      const proof = await prove.secondStepCode(current.session, user, input, meta, {
        key,
        acceptRecoveryCodes: enabled,
      });
      if (isFailure(proof)) return proof;

      const usedRecoveryCode = proof.recoveryCodesLeft !== null;
      const notes: SignInNotes = {
        // Failures while enrolling were the owner's own typos, not a sign that someone has the password.
        failedCodesBefore: enabled ? proof.failuresBefore : 0,
        usedRecoveryCode,
        signedInWith: usedRecoveryCode ? "recovery_code" : "app",
      };
      return finishSecondStep(current, proof.signIn, notes, meta, remember);
    },

    /** The options a browser needs to register a passkey or security key while enrolling. */
    enrollmentOptions: ({ session, user }: SessionWithUser, kind: RegistrationKind) =>
      ceremonies.registrationOptions(user, session.id, "enroll", kind),

    /**
     * Enrollment with a passkey or security key instead of an app: the new credential is the
     * proof, as a first code is for an app, and 2FA goes on the same way.
     */
    async enrollWithWebAuthn(
      current: SessionWithUser,
      response: string,
      name: string,
      meta: RequestMeta,
      remember: boolean,
    ): Promise<CodeAccepted | Failure> {
      const { session, user } = current;
      if (user.twoFactorEnabledAt) return { reason: "already_completed" };
      const made = await ceremonies.verifyRegistration(user, session.id, "enroll", "either", response, name);
      if (isFailure(made)) return made;
      const enrolled = await prove.enrollment(session, made);
      if (isFailure(enrolled)) return enrolled;
      const { credential } = enrolled;
      await events.record("credential_added", user.id, meta, {
        credential: credential.name,
        credentialId: credential.id,
      });
      const notes: SignInNotes = { signedInWith: credential.kind };
      return finishSecondStep(current, enrolled.signIn, notes, meta, remember);
    },

    /** The options for the second step with a passkey or security key: only the user's own credentials. */
    secondStepOptions: ({ session, user }: SessionWithUser) =>
      ceremonies.authenticationOptions(session.id, "second_step", user.id),

    /** The second step with a passkey or security key, under the same throttle as a code. */
    async verifyWebAuthn(
      current: SessionWithUser,
      response: string,
      meta: RequestMeta,
      remember: boolean,
    ): Promise<CodeAccepted | Failure> {
      const { session, user } = current;
      if (!user.twoFactorEnabledAt) return { reason: "webauthn_unknown" };
      const proof = await prove.secondStepAssertion(session, user, response, meta);
      if (isFailure(proof)) return proof;
      const notes: SignInNotes = { failedCodesBefore: proof.failuresBefore, signedInWith: proof.credential.kind };
      return finishSecondStep(current, proof.signIn, notes, meta, remember);
    },

    /** The options for passwordless sign-in, bound to this anonymous browser (`browser`). */
    passwordlessOptions: (browser: string) => ceremonies.authenticationOptions(browser, "passwordless", null),

    /**
     * Sign-in with a passkey alone: a discoverable credential whose authenticator verified its
     * holder. Without that flag an assertion never signs in on its own.
     */
    async signInWithPasskey(
      browser: string,
      response: string,
      meta: RequestMeta,
    ): Promise<{ session: NewSession } | Failure> {
      const proof = await prove.passkeyAlone(browser, response);
      if (isFailure(proof)) return proof;
      const { credential, user } = proof;
      const session = await sessions.signIn(proof.signIn, meta);
      await events.record("credential_used", user.id, meta, { credential: credential.name });
      await recordSignIn(user, meta, "passwordless");
      return { session };
    },

    recoveryCodesLeft: (userId: number): Promise<number> => recoveryCodes.remaining(userId),

    async signOut(session: Session, meta: RequestMeta): Promise<void> {
      await sessions.delete(session.id);
      await events.record("signed_out", session.userId, meta);
    },

    async deleteExpired(): Promise<void> {
      await sessions.deleteExpired();
      await trustedBrowsers.deleteExpired();
      await webauthn.deleteExpiredChallenges();
    },
  };
}
