/**
 * Every reason the domain refuses something, as a code: one list, as the public contract of
 * refusals. The web layer alone decides which form field a reason belongs to and words it.
 */
export const REASONS = [
  // a proof
  "wrong_password",
  "password_locked",
  "wrong_code",
  "replayed_code",
  "code_locked",
  "not_a_code",
  "not_a_code_or_recovery_code",
  // a passkey's or security key's answer to a challenge
  "webauthn_failed",
  "webauthn_expired",
  "webauthn_unknown",
  "webauthn_unverified",
  "webauthn_cloned",
  "last_factor",
  "credential_unknown",
  // a new passkey or security key being registered
  "new_key_failed",
  "new_key_expired",
  "new_key_taken",
  // the session it was given in
  "already_completed",
  "session_ended",
  "reset_not_pending",
  // a "This wasn't me" link
  "link_unknown",
  "link_used",
  "link_expired",
  // an email address for notices
  "email_invalid",
  // a new username
  "username_too_short",
  "username_too_long",
  "username_bad_characters",
  "username_taken",
  // a new password
  "password_too_short",
  "password_too_long",
  "password_common",
  "password_is_username",
  "password_unchanged",
  "passwords_differ",
  // a passkey's or security key's name
  "name_missing",
  "name_too_long",
] as const;

export type Reason = (typeof REASONS)[number];

/**
 * The one shape of a refusal: its reason, the other reasons of a form refused for several at
 * once (`also`), and until when a proof is locked, when it is, by this failure or already.
 */
export type Failure = { reason: Reason; also?: readonly Reason[]; lockedUntil?: number };

export const isFailure = <Result extends object>(result: Result): result is Extract<Result, Failure> =>
  "reason" in result;

/** The refusal for these problems, the first one first; null when there is none. */
export function failureOf(...problems: (Reason | null)[]): Failure | null {
  const [reason, ...also] = problems.filter((problem): problem is Reason => problem !== null);
  if (!reason) return null;
  return also.length > 0 ? { reason, also } : { reason };
}

/** Every reason of a refusal, the first one first. */
export const reasonsOf = ({ reason, also = [] }: Failure): readonly Reason[] => [reason, ...also];
