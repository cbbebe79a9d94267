import type { User } from "../db/tables";
import type { EventDetail, RequestMeta } from "./events";
import type { Failure } from "./outcomes";
import { verifyAgainstDummy, verifyPassword } from "./passwords";
import type { AuthPolicies } from "./policies";
import { normalizeRecoveryCode } from "./recovery-codes";
import { codeKey, passwordKey, type Stores } from "./stores";
import { matchingTimeStep, normalizeCode } from "./totp";

/** A second factor that checked out. */
export type CodeProof = {
  /** Failed tries before this one since the last success. */
  failuresBefore: number;
  /** Set when a recovery code was spent: how many are left. */
  recoveryCodesLeft: number | null;
};

/**
 * The checks behind sign-in and behind every sensitive action: a password, or a code.
 * Each try is counted against the account's throttle before it is checked, wherever it
 * comes from, so re-authenticating in a signed-in session is no way around the lockout.
 */
export function proofs(
  { clock, users, throttle, totpKeys, recoveryCodes, events }: Stores,
  { codeLockout, passwordLockout }: Pick<AuthPolicies, "codeLockout" | "passwordLockout">,
) {
  async function recordFailure(
    type: "password_failed" | "code_failed" | "replay_refused",
    userId: number | null,
    meta: RequestMeta,
    lockedUntil: number | null,
    detail?: EventDetail,
  ): Promise<void> {
    await events.record(type, userId, meta, detail);
    if (lockedUntil) await events.record("locked_out", userId, meta, { lockedUntil });
  }

  /**
   * Checks `input` as a 6-digit code of `key`, or, when `acceptRecoveryCodes`, as a recovery
   * code. A matching code's time step goes to `accept`, one conditional write that refuses
   * a replay; by default the user's last-used step.
   */
  async function checkCode(
    user: User,
    input: string,
    meta: RequestMeta,
    options: { key: string | null; acceptRecoveryCodes: boolean; accept?: (step: number) => Promise<boolean> },
  ): Promise<CodeProof | Failure> {
    const digits = normalizeCode(input);
    const recoveryCode = digits || !options.acceptRecoveryCodes ? null : normalizeRecoveryCode(input);
    if (!digits && !recoveryCode) {
      return { reason: options.acceptRecoveryCodes ? "not_a_code_or_recovery_code" : "not_a_code" };
    }

    const attempt = await throttle.reserve(codeKey(user.id), codeLockout);
    if (!attempt.allowed) return { reason: "code_locked", lockedUntil: attempt.lockedUntil };
    const failed = async (type: "code_failed" | "replay_refused", detail?: EventDetail): Promise<Failure> => {
      await recordFailure(type, user.id, meta, attempt.lockedUntil, detail);
      const reason = type === "replay_refused" ? "replayed_code" : "wrong_code";
      return attempt.lockedUntil ? { reason, lockedUntil: attempt.lockedUntil } : { reason };
    };

    let recoveryCodesLeft: number | null = null;
    if (digits) {
      const step = options.key ? matchingTimeStep(options.key, digits, clock()) : null;
      if (step === null) return failed("code_failed");
      const accept = options.accept ?? ((step: number) => users.acceptTimeStep(user.id, step));
      if (!(await accept(step))) return failed("replay_refused");
    } else if (recoveryCode) {
      recoveryCodesLeft = await recoveryCodes.use(user.id, recoveryCode);
      if (recoveryCodesLeft === null) return failed("code_failed", { factor: "recovery_code" });
      await events.record("recovery_code_used", user.id, meta, { left: recoveryCodesLeft });
    }
    await throttle.reset(codeKey(user.id));
    return { failuresBefore: attempt.failures - 1, recoveryCodesLeft };
  }

  return {
    code: checkCode,

    /**
     * The account when `password` is its password. Unknown names are checked against a dummy
     * hash, in the same time, under the same throttle key scheme.
     */
    async password(username: string, password: string, meta: RequestMeta): Promise<User | Failure> {
      const attempt = await throttle.reserve(passwordKey(username), passwordLockout);
      if (!attempt.allowed) return { reason: "password_locked", lockedUntil: attempt.lockedUntil };
      const user = await users.findByUsername(username);
      const ok = user ? await verifyPassword(password, user.passwordHash) : await verifyAgainstDummy(password);
      if (!user || !ok) {
        await recordFailure("password_failed", user?.id ?? null, meta, attempt.lockedUntil);
        return attempt.lockedUntil
          ? { reason: "password_locked", lockedUntil: attempt.lockedUntil }
          : { reason: "wrong_password" };
      }
      await throttle.reset(passwordKey(username));
      return user;
    },

    /** The code of the key in use now, or a recovery code: the proof for a sensitive action. */
    currentCode(user: User, input: string, meta: RequestMeta): Promise<CodeProof | Failure> {
      return checkCode(user, input, meta, { key: totpKeys.current(user), acceptRecoveryCodes: true });
    },
  };
}

export type Proofs = ReturnType<typeof proofs>;
