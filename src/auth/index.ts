import type { Clock } from "../clock";
import type { Database } from "../db/database";
import type { Session, User } from "../db/tables";
import {
  hashPassword,
  normalizePassword,
  PASSWORD_MAX_LENGTH,
  passwordProblem,
  samePassword,
  verifyAgainstDummy,
} from "./factors/passwords";
import { groupKey, otpauthUri } from "./factors/totp";
import type { NewTrustedBrowser } from "./factors/trusted-browsers";
import { type RegistrationKind, relyingPartyOf, webauthnCeremonies } from "./factors/webauthn";
import { accountFlows } from "./flows/account";
import type { NewSignInProof } from "./flows/proofs";
import { proofs } from "./flows/proofs";
import { isFailure, type Refused, refusedAt, refusedFields } from "./outcomes";
import { type AuthPolicies, DEFAULT_POLICIES } from "./policies";
import type { Step } from "./steps";
import { createStores } from "./stores";
import type { RequestMeta } from "./stores/events";
import type { NewSession, SessionLifetime, SessionWithUser, SignInNotes } from "./stores/sessions";
import { usernameProblem } from "./stores/users";
import type { Enrollment, RegistrationForm } from "./types";

export { unreachableDatabaseCode } from "../db/database";
// The domain's public entry: the web layer imports from here, never from the files behind it.
export type {
  SecurityEventType,
  Session,
  SignInFactor,
  User,
  WebAuthnCredential,
  WebAuthnKind,
} from "../db/tables";
export { constantTimeEqual, deriveKey, keyedHmac, randomToken } from "./crypto";
export { MOST_WAITING_HASHES, Overloaded, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from "./factors/passwords";
export { RECOVERY_CODE_COUNT } from "./factors/recovery-codes";
export { UnreadableKey } from "./factors/totp-keys";
export type { NewTrustedBrowser } from "./factors/trusted-browsers";
export type { RegistrationKind } from "./factors/webauthn";
export { type AccountOverview, CREDENTIAL_NAME_MAX_LENGTH, type Revoked } from "./flows/account";
export type { FactorProof } from "./flows/proofs";
export { isRefused, type Reason, type Refused } from "./outcomes";
export { type AuthPolicies, DEFAULT_POLICIES } from "./policies";
export { type SignedInSession, type SignedInUser, signedInSession, signedInUser } from "./public-views";
export { type Step, stepOf } from "./steps";
export type { EventDetail, LoggedEvent, RequestMeta } from "./stores/events";
export type { NewSession, SessionWithUser } from "./stores/sessions";
export type { ThrottlePolicy } from "./stores/throttle";
export { USERNAME_MAX_LENGTH, USERNAME_MIN_LENGTH, USERNAME_PATTERN } from "./stores/users";
export type { Enrollment, PasswordChangeForm, RegistrationForm } from "./types";
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

type AuthDeps = {
  database: Database;
  clock: Clock;
  appName: string;
  appSecret: string;
  /** The public origin: WebAuthn credentials are bound to its host name. */
  appOrigin: string;
  sessionLifetime: SessionLifetime;
  policies?: AuthPolicies;
};

/** The auth domain: every flow the web layer offers, with no knowledge of HTTP. */
export function createAuth({
  database,
  clock,
  appName,
  appSecret,
  appOrigin,
  sessionLifetime,
  policies = DEFAULT_POLICIES,
}: AuthDeps) {
  const stores = createStores(database, clock, sessionLifetime, appSecret, policies.trustedBrowserDays);
  const { users, sessions, totpKeys, recoveryCodes, trustedBrowsers, events, webauthn } = stores;
  const ceremonies = webauthnCeremonies(webauthn, relyingPartyOf(appOrigin, appName));
  const prove = proofs(stores, policies, ceremonies);
  const describeKey = (key: string, user: User): Enrollment => ({
    uri: otpauthUri(key, appName, user.username),
    key,
    groupedKey: groupKey(key),
  });

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
    await events.record("signed_in", user.id, meta, { signedInWith: notes.signedInWith });
    const trustedBrowser = remember ? await trustedBrowsers.create(user.id, meta) : undefined;
    if (trustedBrowser) await events.record("trusted_browser_added", user.id, meta);
    if (user.twoFactorEnabledAt) return { session: signedIn, trustedBrowser };

    await users.enableTwoFactor(user.id, notes.signedInWith === "app" ? "app" : "webauthn");
    await events.record("two_factor_enabled", user.id, meta);
    return { session: signedIn, recoveryCodes: await recoveryCodes.replaceAll(user.id), trustedBrowser };
  }

  return {
    async register(
      form: RegistrationForm,
      meta: RequestMeta,
    ): Promise<{ session: NewSession } | Refused<keyof RegistrationForm>> {
      const usernameError = usernameProblem(form.username);
      const passwordError = passwordProblem(form.password, form.username);
      const taken = !usernameError && (await users.findByUsername(form.username)) !== null;
      const invalid = refusedFields({
        username: usernameError ?? (taken ? "taken" : null),
        password: passwordError,
        confirm: passwordError || samePassword(form.password, form.confirm) ? null : "mismatch",
      });
      if (invalid) return invalid;

      // The account and its first log entry are one transaction: a crash leaves both or neither.
      const user = await users.create(form.username, await hashPassword(form.password), (transaction, created) => ({
        registered: events.recordOn(transaction, "registered", created.id, meta),
      }));
      if (!user) return { refused: { username: "taken" } };
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
    ): Promise<{ session: NewSession; step: Exclude<Step, "signed_out"> } | Refused<"password">> {
      const wrong: Refused<"password"> = { refused: { password: "wrong_password" } };
      if ([...normalizePassword(password)].length > PASSWORD_MAX_LENGTH) return wrong; // never accepted
      if (usernameProblem(username)) return verifyAgainstDummy(password).then(() => wrong);

      const proof = await prove.password(username, password, meta);
      if (isFailure(proof)) return refusedAt("password", proof);
      const { user } = proof;
      if (!user.twoFactorEnabledAt) return { session: await sessions.startPending(user.id, meta), step: "enrolling" };
      const trusted = trustedBrowserToken && (await prove.trustedBrowser(proof, trustedBrowserToken, meta));
      if (trusted) return { session: await sessions.signIn(trusted, meta), step: "signed_in" };
      return { session: await sessions.startPending(user.id, meta), step: "verifying" };
    },

    session: (token: string): Promise<SessionWithUser | null> => sessions.validate(token),

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
    ): Promise<CodeAccepted | Refused<"otp">> {
      const { user } = current;
      const enabled = user.twoFactorEnabledAt !== null;
      // Enrolling, the key being linked; after, the linked one, if any: a person with only
      // passkeys may still hold an unconfirmed key from a look at the QR code, and it proves nothing.
      const key = !enabled ? await totpKeys.forEnrollment(user) : user.totpEnabledAt ? totpKeys.current(user) : null;
      const proof = await prove.secondStepCode(current.session, user, input, meta, {
        key,
        acceptRecoveryCodes: enabled,
      });
      if (isFailure(proof)) return refusedAt("otp", proof);

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
    ): Promise<CodeAccepted | Refused<"otp">> {
      const { session, user } = current;
      if (user.twoFactorEnabledAt) return { refused: { otp: "already_completed" } };
      const made = await ceremonies.verifyRegistration(user, session.id, "enroll", "either", response, name);
      if (isFailure(made)) return refusedAt("otp", made);
      const enrolled = await prove.enrollment(session, made);
      if (isFailure(enrolled)) return refusedAt("otp", enrolled);
      const { credential } = enrolled;
      await events.record("credential_added", user.id, meta, { credential: credential.name });
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
    ): Promise<CodeAccepted | Refused<"otp">> {
      const { session, user } = current;
      if (!user.twoFactorEnabledAt) return { refused: { otp: "webauthn_unknown" } };
      const proof = await prove.secondStepAssertion(session, user, response, meta);
      if (isFailure(proof)) return refusedAt("otp", proof);
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
    ): Promise<{ session: NewSession } | Refused<"passkey">> {
      const proof = await prove.passkeyAlone(browser, response);
      if (isFailure(proof)) return refusedAt("passkey", proof);
      const { credential, user } = proof;
      const session = await sessions.signIn(proof.signIn, meta);
      await events.record("credential_used", user.id, meta, { credential: credential.name });
      await events.record("signed_in", user.id, meta, { signedInWith: "passwordless" });
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

    account: accountFlows(stores, prove, ceremonies, describeKey, policies.resetWindowMinutes),
  };
}

export type Auth = ReturnType<typeof createAuth>;
