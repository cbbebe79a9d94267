import type { Clock } from "../clock";
import type { Db } from "../db/client";
import type { Session, User } from "../db/schema";
import { secretBox } from "./encryption";
import { eventLog, type RequestMeta } from "./events";
import { hashPassword, PASSWORD_MAX_LENGTH, passwordProblem, verifyAgainstDummy, verifyPassword } from "./passwords";
import { normalizeRecoveryCode, recoveryCodeStore } from "./recovery-codes";
import { type NewSession, type SessionLifetime, type SessionWithUser, sessionStore } from "./sessions";
import { CODE_POLICY, PASSWORD_POLICY, throttleStore } from "./throttle";
import { groupKey, matchingTimeStep, normalizeCode, otpauthUri } from "./totp";
import { usernameKey, usernameProblem, userStore } from "./users";

export type { RequestMeta } from "./events";
export type RegistrationForm = { username: string; password: string; confirm: string };
export type FieldErrors<Field extends string> = Partial<Record<Field, string>>;
export type Enrollment = { uri: string; key: string; groupedKey: string };
/** Refused without a check: too many failures. Try again at `until` (ms since the epoch). */
export type Locked = { lockedUntil: number };
export type CodeAccepted = {
  session: NewSession;
  /** Only when this code turned 2FA on: the recovery codes, to be shown this once. */
  recoveryCodes?: string[];
};

type AuthDeps = { db: Db; clock: Clock; appName: string; appSecret: string; sessionLifetime: SessionLifetime };

const usernameTaken = "This username is taken. Choose another, or sign in if it is yours.";
const wrongCode = "That code is not right. Check the time on your phone and try the newest code.";
const passwordKey = (username: string) => `password:${usernameKey(username)}`;
const codeKey = (userId: number) => `code:${userId}`;

/** The auth domain: every flow the web layer offers, with no knowledge of HTTP. */
export function createAuth({ db, clock, appName, appSecret, sessionLifetime }: AuthDeps) {
  const users = userStore(db, clock, secretBox(appSecret));
  const sessions = sessionStore(db, clock, sessionLifetime);
  const throttle = throttleStore(db, clock);
  const recoveryCodes = recoveryCodeStore(db, clock, appSecret);
  const events = eventLog(db, clock);

  /** Logs a failed attempt, and the lockout when this failure caused one. */
  async function recordFailure(
    type: "password_failed" | "code_failed" | "replay_refused",
    userId: number | null,
    meta: RequestMeta,
    lockedUntil: number | null,
    detail?: string,
  ): Promise<void> {
    await events.record(type, userId, meta, detail);
    if (lockedUntil) await events.record("locked_out", userId, meta, `until ${new Date(lockedUntil).toISOString()}`);
  }

  return {
    async register(
      form: RegistrationForm,
      meta: RequestMeta,
    ): Promise<{ session: NewSession } | { errors: FieldErrors<keyof RegistrationForm> }> {
      const errors: FieldErrors<keyof RegistrationForm> = {};
      const usernameError = usernameProblem(form.username);
      if (usernameError) errors.username = usernameError;
      const passwordError = passwordProblem(form.password, form.username);
      if (passwordError) errors.password = passwordError;
      else if (form.password !== form.confirm) errors.confirm = "The two passwords do not match.";
      if (!usernameError && (await users.findByUsername(form.username))) errors.username = usernameTaken;
      if (Object.keys(errors).length > 0) return { errors };

      const user = await users.create(form.username, await hashPassword(form.password));
      if (!user) return { errors: { username: usernameTaken } };
      await events.record("registered", user.id, meta);
      return { session: await sessions.create(user.id, "pending", meta) };
    },

    /**
     * A pending session when the password is right. Unknown users and wrong passwords get
     * the same answer in the same time, and the throttle is keyed by the name typed, so
     * it behaves alike for names with and without an account.
     */
    async checkPassword(
      username: string,
      password: string,
      meta: RequestMeta,
    ): Promise<{ session: NewSession; enrolled: boolean } | Locked | null> {
      if ([...password].length > PASSWORD_MAX_LENGTH) return null; // no such password was ever accepted
      if (usernameProblem(username)) return verifyAgainstDummy(password).then(() => null);

      const attempt = await throttle.reserve(passwordKey(username), PASSWORD_POLICY);
      if (!attempt.allowed) return { lockedUntil: attempt.lockedUntil };
      const user = await users.findByUsername(username);
      const ok = user ? await verifyPassword(password, user.passwordHash) : await verifyAgainstDummy(password);
      if (!user || !ok) {
        await recordFailure("password_failed", user?.id ?? null, meta, attempt.lockedUntil);
        return attempt.lockedUntil ? { lockedUntil: attempt.lockedUntil } : null;
      }
      await throttle.reset(passwordKey(username));
      return { session: await sessions.create(user.id, "pending", meta), enrolled: user.totpEnabledAt !== null };
    },

    session: (token: string): Promise<SessionWithUser | null> => sessions.validate(token),

    /** The key to show while 2FA is not on yet; never once it is on. */
    async enrollment(user: User): Promise<Enrollment | null> {
      if (user.totpEnabledAt) return null;
      const key = await users.enrollmentSecret(user);
      return { uri: otpauthUri(key, appName, user.username), key, groupedKey: groupKey(key) };
    },

    /**
     * Checks a pending session's code: a 6-digit TOTP code, or once 2FA is on, a recovery
     * code. Every try counts against the account's throttle, and each code works once.
     * A correct one replaces the pending session by a signed-in one, and turns 2FA on if needed.
     */
    async verifyCode(
      { session, user }: SessionWithUser,
      input: string,
      meta: RequestMeta,
    ): Promise<CodeAccepted | { error: string; lockedUntil?: number } | Locked> {
      const code = normalizeCode(input);
      const recoveryCode = code || !user.totpEnabledAt ? null : normalizeRecoveryCode(input);
      if (!code && !recoveryCode) {
        return {
          error: user.totpEnabledAt
            ? "Enter the 6-digit code from your authenticator app, or one of your recovery codes."
            : "Enter the 6-digit code from your authenticator app.",
        };
      }

      const attempt = await throttle.reserve(codeKey(user.id), CODE_POLICY);
      if (!attempt.allowed) return { lockedUntil: attempt.lockedUntil };
      const failed = async (type: "code_failed" | "replay_refused", detail?: string) => {
        await recordFailure(type, user.id, meta, attempt.lockedUntil, detail);
        return {
          error: type === "replay_refused" ? "That code was already used. Wait for the next one." : wrongCode,
          lockedUntil: attempt.lockedUntil ?? undefined,
        };
      };

      let recoveryCodesLeft: number | null = null;
      if (code) {
        const key = user.totpEnabledAt ? users.totpSecret(user) : await users.enrollmentSecret(user);
        const step = key ? matchingTimeStep(key, code, clock()) : null;
        if (step === null) return failed("code_failed");
        if (!(await users.acceptTimeStep(user.id, step))) return failed("replay_refused");
      } else if (recoveryCode) {
        recoveryCodesLeft = await recoveryCodes.use(user.id, recoveryCode);
        if (recoveryCodesLeft === null) return failed("code_failed", "recovery code");
      }

      await throttle.reset(codeKey(user.id));
      // Failures while enrolling were the owner's own typos, not a sign that someone has the password.
      const failedCodesBefore = user.totpEnabledAt ? attempt.failures - 1 : 0;
      const signedIn = await sessions.rotate(session, "signed_in", meta, failedCodesBefore);
      if (!signedIn) return { error: "This sign-in was already completed in another tab. Reload the page." };
      if (recoveryCodesLeft !== null)
        await events.record("recovery_code_used", user.id, meta, `${recoveryCodesLeft} left`);
      await events.record("signed_in", user.id, meta);
      if (user.totpEnabledAt) return { session: signedIn };

      await users.enableTwoFactor(user.id);
      await events.record("two_factor_enabled", user.id, meta);
      return { session: signedIn, recoveryCodes: await recoveryCodes.replaceAll(user.id) };
    },

    recoveryCodesLeft: (userId: number): Promise<number> => recoveryCodes.remaining(userId),

    async signOut(session: Session, meta: RequestMeta): Promise<void> {
      await sessions.delete(session.id);
      await events.record("signed_out", session.userId, meta);
    },

    deleteExpiredSessions: (): Promise<void> => sessions.deleteExpired(),
  };
}

export type Auth = ReturnType<typeof createAuth>;
