import type { Clock } from "../clock";
import type { Database } from "../db/database";
import type { Session, User } from "../db/tables";
import { accountFlows } from "./account";
import type { RequestMeta } from "./events";
import { isFailure, type Refused, refusedAt, refusedFields } from "./outcomes";
import {
  hashPassword,
  normalizePassword,
  PASSWORD_MAX_LENGTH,
  passwordProblem,
  samePassword,
  verifyAgainstDummy,
} from "./passwords";
import { type AuthPolicies, DEFAULT_POLICIES } from "./policies";
import { proofs } from "./proofs";
import type { NewSession, SessionLifetime, SessionWithUser } from "./sessions";
import { createStores } from "./stores";
import { groupKey, otpauthUri } from "./totp";
import type { NewTrustedBrowser } from "./trusted-browsers";
import type { Enrollment, RegistrationForm } from "./types";
import { usernameProblem } from "./users";

// The domain's public entry: the web layer imports from here, never from the files behind it.
export type { SecurityEventType, Session, User } from "../db/tables";
export type { AccountOverview, Revoked } from "./account";
export { constantTimeEqual, deriveKey, hmacBase64url, randomToken } from "./crypto";
export type { EventDetail, LoggedEvent, RequestMeta } from "./events";
export { isRefused, type Reason, type Refused } from "./outcomes";
export { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from "./passwords";
export { type AuthPolicies, DEFAULT_POLICIES } from "./policies";
export { RECOVERY_CODE_COUNT } from "./recovery-codes";
export type { NewSession, SessionWithUser } from "./sessions";
export type { ThrottlePolicy } from "./throttle";
export type { NewTrustedBrowser } from "./trusted-browsers";
export type { Enrollment, PasswordChangeForm, RegistrationForm } from "./types";
export { USERNAME_MAX_LENGTH, USERNAME_MIN_LENGTH, USERNAME_PATTERN } from "./users";
/** After the password: what is left to do. */
export type NextStep = "enroll" | "code" | "none";
export type CodeAccepted = {
  session: NewSession;
  /** Only when this code turned 2FA on: the recovery codes, to be shown this once. */
  recoveryCodes?: string[];
  /** Only when asked to: the cookie that lets this browser skip the code step. */
  trustedBrowser?: NewTrustedBrowser;
};

type AuthDeps = {
  database: Database;
  clock: Clock;
  appName: string;
  appSecret: string;
  sessionLifetime: SessionLifetime;
  policies?: AuthPolicies;
};

/** The auth domain: every flow the web layer offers, with no knowledge of HTTP. */
export function createAuth({
  database,
  clock,
  appName,
  appSecret,
  sessionLifetime,
  policies = DEFAULT_POLICIES,
}: AuthDeps) {
  const stores = createStores(database, clock, sessionLifetime, appSecret, policies.trustedBrowserDays);
  const { users, sessions, totpKeys, recoveryCodes, trustedBrowsers, events } = stores;
  const prove = proofs(stores, policies);
  const describeKey = (key: string, user: User): Enrollment => ({
    uri: otpauthUri(key, appName, user.username),
    key,
    groupedKey: groupKey(key),
  });

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
    ): Promise<{ session: NewSession; next: NextStep } | Refused<"password">> {
      const wrong: Refused<"password"> = { refused: { password: "wrong_password" } };
      if ([...normalizePassword(password)].length > PASSWORD_MAX_LENGTH) return wrong; // never accepted
      if (usernameProblem(username)) return verifyAgainstDummy(password).then(() => wrong);

      const user = await prove.password(username, password, meta);
      if (isFailure(user)) return refusedAt("password", user);
      if (!user.totpEnabledAt) return { session: await sessions.startPending(user.id, meta), next: "enroll" };
      if (trustedBrowserToken && (await trustedBrowsers.use(user.id, trustedBrowserToken))) {
        await events.record("trusted_browser_used", user.id, meta);
        const session = await sessions.signIn({ by: "trusted_browser", userId: user.id }, meta);
        if (session) return { session, next: "none" };
      }
      return { session: await sessions.startPending(user.id, meta), next: "code" };
    },

    session: (token: string): Promise<SessionWithUser | null> => sessions.validate(token),

    /** The key to show while 2FA is not on yet; never once it is on. */
    async enrollment(user: User): Promise<Enrollment | null> {
      if (user.totpEnabledAt) return null;
      return describeKey(await totpKeys.forEnrollment(user), user);
    },

    /**
     * Checks a pending session's code: a 6-digit TOTP code, or once 2FA is on, a recovery
     * code. A correct one replaces the pending session by a signed-in one, turns 2FA on if
     * needed, and when `remember` is set, trusts this browser.
     */
    async verifyCode(
      { session, user }: SessionWithUser,
      input: string,
      meta: RequestMeta,
      remember: boolean,
    ): Promise<CodeAccepted | Refused<"otp">> {
      const enabled = user.totpEnabledAt !== null;
      const key = enabled ? totpKeys.current(user) : await totpKeys.forEnrollment(user);
      const proof = await prove.code(user, input, meta, { key, acceptRecoveryCodes: enabled });
      if (isFailure(proof)) return refusedAt("otp", proof);

      const notes = {
        // Failures while enrolling were the owner's own typos, not a sign that someone has the password.
        failedCodesBefore: enabled ? proof.failuresBefore : 0,
        usedRecoveryCode: proof.recoveryCodesLeft !== null,
      };
      const signedIn = await sessions.signIn({ by: "second_factor", pending: session, notes }, meta);
      if (!signedIn) return { refused: { otp: "already_completed" } };
      await events.record("signed_in", user.id, meta);
      const trustedBrowser = remember ? await trustedBrowsers.create(user.id, meta) : undefined;
      if (trustedBrowser) await events.record("trusted_browser_added", user.id, meta);
      if (enabled) return { session: signedIn, trustedBrowser };

      await users.enableTwoFactor(user.id);
      await events.record("two_factor_enabled", user.id, meta);
      return { session: signedIn, recoveryCodes: await recoveryCodes.replaceAll(user.id), trustedBrowser };
    },

    recoveryCodesLeft: (userId: number): Promise<number> => recoveryCodes.remaining(userId),

    async signOut(session: Session, meta: RequestMeta): Promise<void> {
      await sessions.delete(session.id);
      await events.record("signed_out", session.userId, meta);
    },

    async deleteExpired(): Promise<void> {
      await sessions.deleteExpired();
      await trustedBrowsers.deleteExpired();
    },

    account: accountFlows(stores, prove, describeKey, policies.resetWindowMinutes),
  };
}

export type Auth = ReturnType<typeof createAuth>;
