import type { Claim } from "../../db/database";
import type { ChallengePurpose, Session, User, WebAuthnCredential } from "../../db/tables";
import { ensureHashingRoom, verifyAgainstDummy, verifyPassword } from "../factors/passwords";
import { normalizeRecoveryCode } from "../factors/recovery-codes";
import { matchingTimeStep, normalizeCode } from "../factors/totp";
import type { VerifiedAssertion, WebAuthnCeremonies } from "../factors/webauthn";
import type { NewCredential } from "../factors/webauthn-credentials";
import { type Failure, isFailure } from "../outcomes";
import type { AuthPolicies } from "../policies";
import { codeKey, passwordKey, type Stores } from "../stores";
import type { EventDetail, RequestMeta } from "../stores/events";
import { confirmedWithin } from "../stores/sessions";

/** Known to this module alone: a proof below is made by a check here, never written as a literal elsewhere. */
const proven: unique symbol = Symbol("made by a check in auth/flows/proofs.ts");
type Proven<Ground> = Ground & { readonly [proven]: true };
const mark = <const Ground extends object>(ground: Ground): Proven<Ground> => ({ ...ground, [proven]: true }) as const;

/**
 * What completed a sign-in: the only ways a signed-in session comes to be, each made by the
 * check that proves it. A new way in must add its ground here, beside a check that makes it.
 */
export type SignInProof = Proven<
  /** The second factor, given in this pending session, which it replaces: spent in the transaction that ended it. */
  | { by: "second_factor"; claimed: Session }
  /** The right password on a browser this user trusted. */
  | { by: "trusted_browser"; userId: number }
  /** A passkey whose authenticator verified its holder answered a challenge of this browser's. */
  | { by: "passkey"; userId: number }
  /** A signed-in session going on under a new token, after its password was given again. */
  | { by: "renewal"; signedIn: Session }
>;

/** A proof that makes a new session, not one that renews a signed-in one. */
export type NewSignInProof = Exclude<SignInProof, { by: "renewal" }>;

/** A user's password, checked: what a trusted browser's sign-in and a renewal stand on. */
export type PasswordProof = Proven<{ user: User }>;

/** A second factor that completed its pending session. */
export type SecondStepProof = CodeProof & { signIn: NewSignInProof };

/** A second factor that checked out. */
export type CodeProof = {
  /** Failed tries before this one since the last success. */
  failuresBefore: number;
  /** Set when a recovery code was spent: how many are left. */
  recoveryCodesLeft: number | null;
};

/** A fresh proof for a sensitive action: a code typed, or a passkey's or security key's answer. */
export type FactorProof = { otp: string; assertion: string };

/**
 * The checks behind sign-in and behind every sensitive action: a password, a code, or a
 * passkey's or security key's answer.
 * Each try is counted against the account's throttle before it is checked, wherever it
 * comes from, so re-authenticating in a signed-in session is no way around the lockout.
 */
export function proofs(
  { clock, users, sessions, throttle, totpKeys, recoveryCodes, trustedBrowsers, events }: Stores,
  {
    codeLockout,
    passwordLockout,
    confirmationWindowMinutes,
  }: Pick<AuthPolicies, "codeLockout" | "passwordLockout" | "confirmationWindowMinutes">,
  ceremonies: WebAuthnCeremonies,
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
   * A right factor whose `claim` lost: another request ended the session first. Nothing was
   * spent, and the factor was right, so its attempt is not held against the account.
   */
  async function lostToAnother(user: User): Promise<Failure> {
    await throttle.reset(codeKey(user.id));
    return { reason: "already_completed" };
  }

  /**
   * Checks `input` as a 6-digit code of `key`, or, when `acceptRecoveryCodes`, as a recovery
   * code. A matching code's time step goes to `accept`, one conditional write that refuses
   * a replay; by default the user's last-used step. With `claim`, the step is accepted or the
   * recovery code spent only in the transaction where the claim stands.
   */
  async function checkCode(
    user: User,
    input: string,
    meta: RequestMeta,
    options: {
      key: string | null;
      acceptRecoveryCodes: boolean;
      accept?: (step: number) => Promise<boolean>;
      claim?: Claim;
    },
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
      const accepted = await (options.accept ?? ((step) => users.acceptTimeStep(user.id, step, options.claim)))(step);
      if (accepted === "unclaimed") return lostToAnother(user);
      if (!accepted) return failed("replay_refused");
    } else if (recoveryCode) {
      const left = await recoveryCodes.use(user.id, recoveryCode, options.claim);
      if (left === "unclaimed") return lostToAnother(user);
      if (left === null) return failed("code_failed", { factor: "recovery_code" });
      recoveryCodesLeft = left;
      await events.record("recovery_code_used", user.id, meta, { left });
    }
    await throttle.reset(codeKey(user.id));
    return { failuresBefore: attempt.failures - 1, recoveryCodesLeft };
  }

  /**
   * A passkey's or security key's answer to a challenge this session (`owner`) was given for
   * `purpose`, from one of the user's own credentials. Counted against the same throttle as
   * a code: a failed assertion is a wrong second factor. With `claim`, its use is recorded
   * only in the transaction where the claim stands.
   */
  async function checkAssertion(
    user: User,
    owner: string,
    purpose: ChallengePurpose,
    json: string,
    meta: RequestMeta,
    claim?: Claim,
  ): Promise<(VerifiedAssertion & CodeProof) | Failure> {
    const attempt = await throttle.reserve(codeKey(user.id), codeLockout);
    if (!attempt.allowed) return { reason: "code_locked", lockedUntil: attempt.lockedUntil };
    const verified = await ceremonies.authenticate(owner, json, {
      purpose,
      userId: user.id,
      // A security key may be the second factor without a PIN: the password was the first.
      requireUserVerification: false,
      claim,
    });
    if (isFailure(verified) && verified.reason === "already_completed") return lostToAnother(user);
    if (isFailure(verified)) {
      await recordFailure("code_failed", user.id, meta, attempt.lockedUntil, { factor: "webauthn" });
      return attempt.lockedUntil ? { reason: verified.reason, lockedUntil: attempt.lockedUntil } : verified;
    }
    await throttle.reset(codeKey(user.id));
    await events.record("credential_used", user.id, meta, { credential: verified.credential.name });
    return { ...verified, failuresBefore: attempt.failures - 1, recoveryCodesLeft: null };
  }

  /** The app's key, once one is linked: a key still being enrolled proves nothing. */
  const currentKey = (user: User) => (user.totpEnabledAt ? totpKeys.current(user) : null);

  return {
    code: checkCode,

    /**
     * A code (or, once 2FA is on, a recovery code) at the second step: accepted only in the
     * transaction that ends the pending session, and then the proof that signs in.
     */
    async secondStepCode(
      pending: Session,
      user: User,
      input: string,
      meta: RequestMeta,
      options: { key: string | null; acceptRecoveryCodes: boolean },
    ): Promise<SecondStepProof | Failure> {
      const proof = await checkCode(user, input, meta, { ...options, claim: sessions.claimPending(pending) });
      if (isFailure(proof)) return proof;
      return { ...proof, signIn: mark({ by: "second_factor", claimed: pending }) };
    },

    /** A passkey's or security key's answer at the second step, spent with the pending session. */
    async secondStepAssertion(
      pending: Session,
      user: User,
      json: string,
      meta: RequestMeta,
    ): Promise<(VerifiedAssertion & SecondStepProof) | Failure> {
      const claim = sessions.claimPending(pending);
      const proof = await checkAssertion(user, pending.id, "second_step", json, meta, claim);
      if (isFailure(proof)) return proof;
      return { ...proof, signIn: mark({ by: "second_factor", claimed: pending }) };
    },

    /** A first passkey or security key, registered as the second factor that ends enrolment. */
    async enrollment(
      pending: Session,
      made: NewCredential,
    ): Promise<{ credential: WebAuthnCredential; signIn: NewSignInProof } | Failure> {
      const credential = await ceremonies.store(made, sessions.claimPending(pending));
      if (isFailure(credential)) return credential;
      return { credential, signIn: mark({ by: "second_factor", claimed: pending }) };
    },

    /** A browser this user trusted, after their password: the sign-in that skips the code. Null for an unknown or lapsed one. */
    async trustedBrowser(password: PasswordProof, token: string, meta: RequestMeta): Promise<NewSignInProof | null> {
      const { user } = password;
      if (!user.twoFactorEnabledAt || !(await trustedBrowsers.use(user.id, token))) return null;
      await events.record("trusted_browser_used", user.id, meta);
      return mark({ by: "trusted_browser", userId: user.id });
    },

    /**
     * A passkey alone: a discoverable credential whose authenticator verified its holder,
     * answering a challenge of this browser's, for a user with 2FA on.
     */
    async passkeyAlone(
      browser: string,
      json: string,
    ): Promise<(VerifiedAssertion & { user: User; signIn: NewSignInProof }) | Failure> {
      const verified = await ceremonies.authenticate(browser, json, {
        purpose: "passwordless",
        userId: null,
        requireUserVerification: true,
      });
      if (isFailure(verified)) return verified;
      const user = await users.findById(verified.credential.userId);
      if (!user?.twoFactorEnabledAt) return { reason: "webauthn_unknown" };
      return { ...verified, user, signIn: mark({ by: "passkey", userId: user.id }) };
    },

    /** The session of the password's owner going on under a new token. */
    renewal(password: PasswordProof, signedIn: Session): SignInProof | null {
      return password.user.id === signedIn.userId ? mark({ by: "renewal", signedIn }) : null;
    },

    /**
     * The account when `password` is its password. Unknown names are checked against a dummy
     * hash, in the same time, under the same throttle key scheme.
     */
    async password(
      username: string,
      password: string,
      meta: RequestMeta,
      { atSignIn = false } = {},
    ): Promise<PasswordProof | Failure> {
      // Before the attempt is counted: a person turned away by an overload loses no try.
      ensureHashingRoom();
      const attempt = await throttle.reserve(passwordKey(username), passwordLockout);
      if (!attempt.allowed) return { reason: "password_locked", lockedUntil: attempt.lockedUntil };
      const user = await users.findByUsername(username);
      // A password its owner disowned proves nothing either way: at sign-in, any goes on to the
      // second factor, in the same time, and the next step is choosing a new one. Its try stays
      // counted, so a name cannot open pending sessions without end.
      const disowned = atSignIn && user?.newPasswordRequiredAt;
      const ok =
        user && !disowned ? await verifyPassword(password, user.passwordHash) : await verifyAgainstDummy(password);
      if (disowned) return mark({ user });
      if (!user || !ok) {
        await recordFailure("password_failed", user?.id ?? null, meta, attempt.lockedUntil);
        return attempt.lockedUntil
          ? { reason: "password_locked", lockedUntil: attempt.lockedUntil }
          : { reason: "wrong_password" };
      }
      await throttle.reset(passwordKey(username));
      return mark({ user });
    },

    /**
     * The proof for a sensitive action: a passkey's or security key's answer when the form
     * carries one (asked for by this session), else a current code or a recovery code. Either
     * one given marks the session as confirmed now. With neither, and `acceptRecent`, a factor
     * given in this session within the confirmation window stands in for one.
     */
    async currentFactor(
      user: User,
      proof: FactorProof,
      session: Session,
      meta: RequestMeta,
      { acceptRecent = true } = {},
    ): Promise<CodeProof | Failure> {
      const nothingGiven = !proof.assertion && !proof.otp.trim();
      if (nothingGiven && acceptRecent && confirmedWithin(session, confirmationWindowMinutes * 60_000, clock())) {
        return { failuresBefore: 0, recoveryCodesLeft: null };
      }
      const given = proof.assertion
        ? await checkAssertion(user, session.id, "proof", proof.assertion, meta)
        : await checkCode(user, proof.otp, meta, { key: currentKey(user), acceptRecoveryCodes: true });
      if (!isFailure(given)) await sessions.confirmFactor(session.id);
      return given;
    },
  };
}

export type Proofs = ReturnType<typeof proofs>;
