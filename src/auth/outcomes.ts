/**
 * Why the domain refused something, as a code: the web layer words it. A proof's failure
 * carries `lockedUntil` when the account is locked now, by this failure or already.
 */
export type Reason =
  // a proof
  | "wrong_password"
  | "password_locked"
  | "wrong_code"
  | "replayed_code"
  | "code_locked"
  | "not_a_code"
  | "not_a_code_or_recovery_code"
  // a passkey or security key's answer
  | "webauthn_failed"
  | "webauthn_expired"
  | "webauthn_unknown"
  | "webauthn_unverified"
  | "webauthn_cloned"
  | "last_factor"
  // the session it was given in
  | "already_completed"
  | "session_ended"
  // a new username or password
  | "too_short"
  | "too_long"
  | "bad_characters"
  | "taken"
  | "common"
  | "is_username"
  | "unchanged"
  | "mismatch";

/** One proof's failure. */
export type Failure = { reason: Reason; lockedUntil?: number };

/** The one shape of every refusal: a reason for each field in error, and until when a proof is locked. */
export type Refused<Field extends string> = { refused: Partial<Record<Field, Reason>>; lockedUntil?: number };

export const isRefused = <Result extends object>(result: Result): result is Extract<Result, Refused<string>> =>
  "refused" in result;

export const isFailure = (result: object): result is Failure => "reason" in result;

/** A proof's failure as the refusal of the field it was typed in. */
export const refusedAt = <Field extends string>(field: Field, { reason, lockedUntil }: Failure): Refused<Field> =>
  ({ refused: { [field]: reason }, lockedUntil }) as Refused<Field>;

/** The fields in error, or null when there are none. */
export function refusedFields<Field extends string>(
  reasons: Partial<Record<Field, Reason | null>>,
): Refused<Field> | null {
  const refused = Object.fromEntries(Object.entries(reasons).filter(([, reason]) => reason)) as Partial<
    Record<Field, Reason>
  >;
  return Object.keys(refused).length > 0 ? { refused } : null;
}
