import type { Orm } from "../../db/database";
import type { Session, TrustedBrowser, User, WebAuthnCredential, WebAuthnKind } from "../../db/tables";
import { sha256Hex } from "../crypto";
import { hashPassword, passwordProblem, samePassword } from "../factors/passwords";
import type { WebAuthnCeremonies } from "../factors/webauthn";
import { type Failure, failureOf, isFailure } from "../outcomes";
import type { AuthPolicies } from "../policies";
import { type Stores, throttleKeysOf } from "../stores";
import type { LoggedEvent, RequestMeta } from "../stores/events";
import { confirmedWithin, type NewSession, type SessionWithUser } from "../stores/sessions";
import type { Enrollment, PasswordChangeForm } from "../types";
import type { FactorProof, Proofs } from "./proofs";

const LOG_LENGTH = 50;
/** How long after a sign-in with both factors a passkey is offered, and may be made without a dialog. */
const UPGRADE_WINDOW_MS = 5 * 60_000;
/** "Not now" to the passkey offer puts it off this long. */
const PASSKEY_OFFER_SNOOZE_DAYS = 14;

/** How a passkey is added after a sign-in: by the password manager unasked (conditional create), or in the browser's dialog. */
export type UpgradeMode = "automatic" | "dialog";

/** What a change that signs out everywhere else ended. */
export type Revoked = { sessions: number; trustedBrowsers: number };

export type AccountOverview = {
  recoveryCodesLeft: number;
  sessions: Session[];
  trustedBrowsers: TrustedBrowser[];
  credentials: WebAuthnCredential[];
  events: LoggedEvent[];
  /** Which of `trustedBrowsers` is the browser asking, if any. */
  thisTrustedBrowserId: string | null;
  /** Until when a factor given in this session stands in for a code on its sensitive actions; null when none does. */
  recentUntil: number | null;
};

/** The longest name a passkey or security key may be given. */
export const CREDENTIAL_NAME_MAX_LENGTH = 64;

/** Another user's credential, or one gone meanwhile: never told apart. */
const unknownCredential: Failure = { reason: "credential_unknown" };

/** Why a credential may not have this name, or null: its length counted in characters, as typed. */
const nameProblem = (name: string) =>
  name.trim().length === 0 ? "name_missing" : [...name].length > CREDENTIAL_NAME_MAX_LENGTH ? "name_too_long" : null;

/**
 * What a signed-in person can do to their own account. Each sensitive action asks for
 * proof again, a password, a code or a passkey, checked under the same throttles as sign-in.
 */
export function accountFlows(
  { clock, users, sessions, totpKeys, recoveryCodes, trustedBrowsers, events, webauthn }: Stores,
  prove: Proofs,
  ceremonies: WebAuthnCeremonies,
  describeKey: (key: string, user: User) => Enrollment,
  {
    resetWindowMinutes,
    confirmationWindowMinutes,
  }: Pick<AuthPolicies, "resetWindowMinutes" | "confirmationWindowMinutes">,
) {
  const resetWindowMs = resetWindowMinutes * 60_000;
  /** Signed in minutes ago with the password and an app's code or a security key, both given in this session. */
  const justSignedInWithBothFactors = (session: Session) =>
    (session.signedInWith === "app" || session.signedInWith === "security_key") &&
    clock() - session.createdAt <= UPGRADE_WINDOW_MS &&
    confirmedWithin(session, UPGRADE_WINDOW_MS, clock());
  const purposeOf = (mode: UpgradeMode) => (mode === "automatic" ? "upgrade" : "add");

  /**
   * Whether to offer this session a passkey: it signed in with its password and an app's code
   * or a security key minutes ago, the account has no passkey, and its owner did not put the
   * offer off. Said without a query for almost every request: only in that window is one made.
   */
  async function passkeyOffered({ session, user }: SessionWithUser): Promise<boolean> {
    if (!justSignedInWithBothFactors(session)) return false;
    if (user.passkeyOfferDeclined || (user.passkeyOfferSnoozedUntil ?? 0) > clock()) return false;
    return !(await webauthn.of(user)).some((credential) => credential.kind === "passkey");
  }
  const confirmationWindowMs = confirmationWindowMinutes * 60_000;
  /** The sealed replacement key this session is enrolling, while its window is open. */
  const heldNewKey = (session: Session): string | null =>
    session.newTotpSecret && session.newTotpStartedAt && clock() - session.newTotpStartedAt < resetWindowMs
      ? session.newTotpSecret
      : null;

  /**
   * After the password or the authenticator changed: the deletes that end every other session and
   * every trusted browser, written in the change's own transaction, so no crash can keep one alive.
   */
  const endEverywhereElse =
    ({ session, user }: SessionWithUser) =>
    (transaction: Orm) => ({
      sessions: sessions.revokeAllOn(transaction, user.id, session.id),
      trustedBrowsers: trustedBrowsers.revokeAllOn(transaction, user.id),
    });
  /** What those deletes ended, from the rows they returned. */
  const countEnded = (ended: { sessions: unknown[]; trustedBrowsers: unknown[] }): Revoked => ({
    sessions: ended.sessions.length,
    trustedBrowsers: ended.trustedBrowsers.length,
  });

  return {
    /** The account as its settings page shows it to this session. */
    async overview({ session, user }: SessionWithUser, trustedBrowserToken: string | null): Promise<AccountOverview> {
      const recent = confirmedWithin(session, confirmationWindowMs, clock());
      // Asked for at once: SQLite reads them in one transaction.
      const [recoveryCodesLeft, liveSessions, liveTrustedBrowsers, credentials, recentEvents] = await Promise.all([
        recoveryCodes.remaining(user.id),
        sessions.list(user.id),
        trustedBrowsers.list(user.id),
        webauthn.of(user),
        events.recent(user.id, LOG_LENGTH),
      ]);
      return {
        thisTrustedBrowserId: trustedBrowserToken ? sha256Hex(trustedBrowserToken) : null,
        recentUntil: recent ? (session.factorConfirmedAt ?? 0) + confirmationWindowMs : null,
        recoveryCodesLeft,
        sessions: liveSessions,
        trustedBrowsers: liveTrustedBrowsers,
        credentials,
        events: recentEvents,
      };
    },

    /** Ten new recovery codes, shown once; the old ones stop working. Needs a current factor. */
    async regenerateRecoveryCodes(
      { session, user }: SessionWithUser,
      given: FactorProof,
      meta: RequestMeta,
    ): Promise<{ codes: string[] } | Failure> {
      const proof = await prove.currentFactor(user, given, session, meta);
      if (isFailure(proof)) return proof;
      const codes = await recoveryCodes.replaceAll(user.id);
      await events.record("recovery_codes_regenerated", user.id, meta);
      return { codes };
    },

    /**
     * Starts replacing the authenticator app, or linking one to an account that has only
     * passkeys: after the password and a current factor (a recovery code, for a lost phone), a
     * new key is held on this session. The old key keeps working until a code of the new one confirms it.
     */
    async startAuthenticatorReset(
      { session, user }: SessionWithUser,
      password: string,
      given: FactorProof,
      meta: RequestMeta,
    ): Promise<Enrollment | Failure> {
      const owner = await prove.password(user.username, password, meta);
      if (isFailure(owner)) return owner;
      const proof = await prove.currentFactor(user, given, session, meta);
      if (isFailure(proof)) return proof;
      const sealed = totpKeys.sealNew(user);
      await sessions.holdNewTotpSecret(session.id, sealed);
      await events.record("authenticator_reset_started", user.id, meta);
      return describeKey(totpKeys.open(user, sealed), user);
    },

    /** The replacement key this session is enrolling, or null when none is (or its window closed). */
    pendingReset({ session, user }: SessionWithUser): Enrollment | null {
      const sealed = heldNewKey(session);
      return sealed ? describeKey(totpKeys.open(user, sealed), user) : null;
    },

    async cancelAuthenticatorReset({ session }: SessionWithUser): Promise<void> {
      await sessions.holdNewTotpSecret(session.id, null);
    },

    /**
     * A code of the new key makes it the key: the old one stops working, every other session
     * and trusted browser ends, and new recovery codes replace the old. `reset_not_pending` when
     * no reset is pending (none was started, or its window closed).
     */
    async confirmAuthenticatorReset(
      current: SessionWithUser,
      otp: string,
      meta: RequestMeta,
    ): Promise<{ recoveryCodes: string[]; revoked: Revoked } | Failure> {
      const { session, user } = current;
      const sealed = heldNewKey(session);
      if (!sealed) return { reason: "reset_not_pending" };
      let revoked: Revoked = { sessions: 0, trustedBrowsers: 0 };
      const proof = await prove.code(user, otp, meta, {
        key: totpKeys.open(user, sealed),
        acceptRecoveryCodes: false,
        accept: async (step) => {
          const ended = await totpKeys.replace(user, sealed, step, endEverywhereElse(current));
          if (ended) revoked = countEnded(ended);
          return ended !== null;
        },
      });
      if (isFailure(proof)) return proof;
      await sessions.holdNewTotpSecret(session.id, null);
      await events.record("authenticator_replaced", user.id, meta, revoked);
      return { recoveryCodes: await recoveryCodes.replaceAll(user.id), revoked };
    },

    /**
     * A new password, under the rules of registration, after the current one. This session
     * goes on under a new token; every other session and trusted browser ends.
     */
    async changePassword(
      current: SessionWithUser,
      form: PasswordChangeForm,
      meta: RequestMeta,
    ): Promise<{ session: NewSession; revoked: Revoked } | Failure> {
      const { session, user } = current;
      // The new password is checked first: a typo in it costs no attempt on the throttle.
      const problem =
        passwordProblem(form.new_password, user.username) ??
        (form.new_password === form.current_password ? "password_unchanged" : null);
      const invalid = failureOf(problem ?? (samePassword(form.new_password, form.confirm) ? null : "passwords_differ"));
      if (invalid) return invalid;
      const owner = await prove.password(user.username, form.current_password, meta);
      if (isFailure(owner)) return owner;
      const renewal = prove.renewal(owner, session);
      if (!renewal) return { reason: "session_ended" };

      const hash = await hashPassword(form.new_password);
      const revoked = countEnded(await users.setPasswordHash(user.id, hash, endEverywhereElse(current)));
      const renewed = await sessions.signIn(renewal, meta);
      // Only a revocation from elsewhere in the same instant gets here; the password did change.
      if (!renewed) return { reason: "session_ended" };
      await events.record("password_changed", user.id, meta, revoked);
      return { session: renewed, revoked };
    },

    /** The options to register another passkey or security key. */
    addCredentialOptions: ({ session, user }: SessionWithUser, kind: WebAuthnKind) =>
      ceremonies.registrationOptions(user, session.id, "add", kind),

    /** The options for a passkey or security key to serve as the proof of a sensitive action. */
    proofOptions: ({ session, user }: SessionWithUser) =>
      ceremonies.authenticationOptions(session.id, "proof", user.id),

    /** Another passkey or security key, after a current factor. */
    async addCredential(
      { session, user }: SessionWithUser,
      form: { kind: WebAuthnKind; name: string; credential: string } & FactorProof,
      meta: RequestMeta,
    ): Promise<{ added: WebAuthnCredential } | Failure> {
      const invalid = failureOf(nameProblem(form.name));
      if (invalid) return invalid;
      // The registration is checked before the proof: a refused one spends no recovery code.
      const made = await ceremonies.verifyRegistration(
        user,
        session.id,
        "add",
        form.kind,
        form.credential,
        form.name.trim(),
      );
      if (isFailure(made)) return made;
      const proof = await prove.currentFactor(user, form, session, meta);
      if (isFailure(proof)) return proof;
      const added = await ceremonies.store(made);
      if (isFailure(added)) return added;
      await events.record("credential_added", user.id, meta, { credential: added.name, credentialId: added.id });
      return { added };
    },

    /** Renames one of the user's own credentials; needs no proof, as it changes no way in. */
    async renameCredential(
      user: User,
      id: string,
      name: string,
      meta: RequestMeta,
    ): Promise<{ renamed: WebAuthnCredential } | Failure> {
      const invalid = failureOf(nameProblem(name));
      if (invalid) return invalid;
      const before = await webauthn.find(id);
      if (before?.userId !== user.id) return unknownCredential;
      const renamed = await webauthn.rename(user.id, id, name.trim());
      if (!renamed) return unknownCredential;
      await events.record("credential_renamed", user.id, meta, { credential: renamed.name, formerName: before.name });
      return { renamed };
    },

    /**
     * Removes one of the user's credentials, after a current factor, unless it is their last
     * second factor. Null when there is no such credential of theirs.
     */
    async removeCredential(
      { session, user }: SessionWithUser,
      id: string,
      given: FactorProof,
      meta: RequestMeta,
    ): Promise<{ removed: WebAuthnCredential } | Failure> {
      const credentials = await webauthn.list(user.id);
      if (!credentials.some((credential) => credential.id === id)) return unknownCredential;
      // Said before any proof is asked for; removeUnlessLast holds it against a race.
      if (credentials.length === 1 && !user.totpEnabledAt) return { reason: "last_factor" };
      // A way in is removed only on a factor given now: a recent one may have been this very key.
      const proof = await prove.currentFactor(user, given, session, meta, { acceptRecent: false });
      if (isFailure(proof)) return proof;
      const { removed, last } = await webauthn.removeUnlessLast(user, id);
      if (last) return { reason: "last_factor" };
      if (!removed) return unknownCredential;
      await events.record("credential_removed", user.id, meta, { credential: removed.name });
      return { removed };
    },

    /**
     * A second factor given again in a signed-in session, to confirm it is still its owner's:
     * a page that asks for a fresh confirmation lets it in for a while. Counted against the
     * same lockout as the second step.
     */
    async confirmFactor({ session, user }: SessionWithUser, given: FactorProof, meta: RequestMeta) {
      return prove.currentFactor(user, given, session, meta, { acceptRecent: false });
    },

    passkeyOffered,

    /** The options of that passkey; `new_key_expired` once the window closed. */
    async upgradeOptions(current: SessionWithUser, mode: UpgradeMode) {
      if (!(await passkeyOffered(current))) return { reason: "new_key_expired" } as Failure;
      return ceremonies.registrationOptions(current.user, current.session.id, purposeOf(mode), "passkey");
    },

    /**
     * The passkey made for that offer, named by `nameOf` from what the authenticator says it is
     * (its AAGUID). Made automatically, it needs no user presence: that is accepted only for
     * options of this offer, to this session, in its window.
     */
    async upgradeToPasskey(
      current: SessionWithUser,
      mode: UpgradeMode,
      response: string,
      nameOf: (aaguid: string) => string | Promise<string>,
      meta: RequestMeta,
    ): Promise<{ added: WebAuthnCredential } | Failure> {
      const { session, user } = current;
      if (!(await passkeyOffered(current))) return { reason: "new_key_expired" };
      const made = await ceremonies.verifyRegistration(user, session.id, purposeOf(mode), "passkey", response, "");
      if (isFailure(made)) return made;
      const added = await ceremonies.store({ ...made, name: await nameOf(made.aaguid ?? "") });
      if (isFailure(added)) return added;
      await events.record("credential_added", user.id, meta, {
        credential: added.name,
        credentialId: added.id,
        automatically: added.addedAutomatically,
      });
      return { added };
    },

    /** "Not now": the offer comes back in two weeks. */
    snoozePasskeyOffer: (user: User) =>
      users.putOffPasskeyOffer(user.id, clock() + PASSKEY_OFFER_SNOOZE_DAYS * 24 * 60 * 60_000),

    /** "Don't ask again". */
    declinePasskeyOffer: (user: User) => users.putOffPasskeyOffer(user.id, null),

    /** The account's whole security log, newest first, for the person to keep. */
    securityLog: (user: User): Promise<LoggedEvent[]> => events.all(user.id),

    /**
     * Deletes the account, after its password and a current factor: `beforeDelete` runs first,
     * for the host's own data (if it throws, nothing is deleted), then every row of the account
     * goes in one transaction, so the name may be registered again.
     */
    async deleteAccount(
      { session, user }: SessionWithUser,
      password: string,
      given: FactorProof,
      meta: RequestMeta,
      beforeDelete: (userId: number) => Promise<void>,
    ): Promise<{ deleted: true } | Failure> {
      const owner = await prove.password(user.username, password, meta);
      if (isFailure(owner)) return owner;
      const proof = await prove.currentFactor(user, given, session, meta);
      if (isFailure(proof)) return proof;
      await beforeDelete(user.id);
      const deleted = await users.deleteWithEverything(user.id, throttleKeysOf(user));
      return deleted ? { deleted } : { reason: "session_ended" };
    },

    /**
     * The new password of an account whose owner disowned a password change, chosen after a
     * second factor: under the rules of registration. Every other session and trusted browser ends.
     */
    async chooseNewPassword(
      current: SessionWithUser,
      form: Omit<PasswordChangeForm, "current_password">,
      meta: RequestMeta,
    ): Promise<{ revoked: Revoked } | Failure> {
      const { user } = current;
      const problem = passwordProblem(form.new_password, user.username);
      const invalid = failureOf(problem ?? (samePassword(form.new_password, form.confirm) ? null : "passwords_differ"));
      if (invalid) return invalid;
      const hash = await hashPassword(form.new_password);
      const revoked = countEnded(await users.setPasswordHash(user.id, hash, endEverywhereElse(current)));
      await events.record("new_password_set", user.id, meta, revoked);
      return { revoked };
    },

    /** Ends one of the user's sessions; false when there is no such session of theirs. */
    async revokeSession(user: User, sessionId: string, meta: RequestMeta): Promise<boolean> {
      const revoked = await sessions.revoke(user.id, sessionId);
      if (revoked) await events.record("session_revoked", user.id, meta);
      return revoked;
    },

    async revokeOtherSessions({ session, user }: SessionWithUser, meta: RequestMeta): Promise<number> {
      const ended = await sessions.revokeAll(user.id, session.id);
      if (ended > 0) await events.record("session_revoked", user.id, meta, { sessions: ended });
      return ended;
    },

    async revokeTrustedBrowser(user: User, id: string, meta: RequestMeta): Promise<boolean> {
      const revoked = await trustedBrowsers.revoke(user.id, id);
      if (revoked) await events.record("trusted_browser_revoked", user.id, meta);
      return revoked;
    },

    async revokeAllTrustedBrowsers(user: User, meta: RequestMeta): Promise<number> {
      const forgotten = await trustedBrowsers.revokeAll(user.id);
      if (forgotten > 0) await events.record("trusted_browser_revoked", user.id, meta, { trustedBrowsers: forgotten });
      return forgotten;
    },
  };
}
