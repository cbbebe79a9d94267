import type { User } from "../db/tables";
import { waitFor } from "../words";
import type { RequestMeta } from "./events";
import { verifyAgainstDummy, verifyPassword } from "./passwords";
import type { AuthPolicies } from "./policies";
import { normalizeRecoveryCode } from "./recovery-codes";
import { codeKey, passwordKey, type Stores } from "./stores";
import { matchingTimeStep, normalizeCode } from "./totp";

/**
 * Why a proof was refused, in words for the person. `lockedUntil` is set when the
 * account is locked now: by this failure, or already (then nothing was checked).
 */
export type Refusal = { error: string; lockedUntil?: number };

/** A second factor that checked out. */
export type CodeProof = {
  /** Failed tries before this one since the last success. */
  failuresBefore: number;
  /** Set when a recovery code was spent: how many are left. */
  recoveryCodesLeft: number | null;
};

const tooManyCodes = (lockedUntil: number, now: number) =>
  `Too many wrong codes. Try again in ${waitFor(lockedUntil, now)}.`;
const tooManyPasswords = (lockedUntil: number, now: number) =>
  `Too many failed sign-ins for this username. Try again in ${waitFor(lockedUntil, now)}.`;
const wrongCode = "That code is not right. Check the time on your phone and try the newest code.";
const replayedCode = "That code was already used. Wait for the next one.";

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
    detail?: string,
  ): Promise<void> {
    await events.record(type, userId, meta, detail);
    if (lockedUntil) await events.record("locked_out", userId, meta, `until ${new Date(lockedUntil).toISOString()}`);
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
  ): Promise<CodeProof | Refusal> {
    const digits = normalizeCode(input);
    const recoveryCode = digits || !options.acceptRecoveryCodes ? null : normalizeRecoveryCode(input);
    if (!digits && !recoveryCode) {
      return {
        error: options.acceptRecoveryCodes
          ? "Enter the 6-digit code from your authenticator app, or one of your recovery codes."
          : "Enter the 6-digit code from your authenticator app.",
      };
    }

    const attempt = await throttle.reserve(codeKey(user.id), codeLockout);
    if (!attempt.allowed)
      return { error: tooManyCodes(attempt.lockedUntil, clock()), lockedUntil: attempt.lockedUntil };
    const failed = async (type: "code_failed" | "replay_refused", detail?: string): Promise<Refusal> => {
      await recordFailure(type, user.id, meta, attempt.lockedUntil, detail);
      const error = type === "replay_refused" ? replayedCode : wrongCode;
      return attempt.lockedUntil
        ? { error: `${error} ${tooManyCodes(attempt.lockedUntil, clock())}`, lockedUntil: attempt.lockedUntil }
        : { error };
    };

    let recoveryCodesLeft: number | null = null;
    if (digits) {
      const step = options.key ? matchingTimeStep(options.key, digits, clock()) : null;
      if (step === null) return failed("code_failed");
      const accept = options.accept ?? ((step: number) => users.acceptTimeStep(user.id, step));
      if (!(await accept(step))) return failed("replay_refused");
    } else if (recoveryCode) {
      recoveryCodesLeft = await recoveryCodes.use(user.id, recoveryCode);
      if (recoveryCodesLeft === null) return failed("code_failed", "recovery code");
      await events.record("recovery_code_used", user.id, meta, `${recoveryCodesLeft} left`);
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
    async password(username: string, password: string, meta: RequestMeta, wrong: string): Promise<User | Refusal> {
      const attempt = await throttle.reserve(passwordKey(username), passwordLockout);
      if (!attempt.allowed)
        return { error: tooManyPasswords(attempt.lockedUntil, clock()), lockedUntil: attempt.lockedUntil };
      const user = await users.findByUsername(username);
      const ok = user ? await verifyPassword(password, user.passwordHash) : await verifyAgainstDummy(password);
      if (!user || !ok) {
        await recordFailure("password_failed", user?.id ?? null, meta, attempt.lockedUntil);
        return attempt.lockedUntil
          ? { error: tooManyPasswords(attempt.lockedUntil, clock()), lockedUntil: attempt.lockedUntil }
          : { error: wrong };
      }
      await throttle.reset(passwordKey(username));
      return user;
    },

    /** The code of the key in use now, or a recovery code: the proof for a sensitive action. */
    currentCode(user: User, input: string, meta: RequestMeta): Promise<CodeProof | Refusal> {
      return checkCode(user, input, meta, { key: totpKeys.current(user), acceptRecoveryCodes: true });
    },
  };
}

export type Proofs = ReturnType<typeof proofs>;

export const isRefusal = (result: object): result is Refusal => "error" in result;
