import {
  CREDENTIAL_NAME_MAX_LENGTH,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  type Reason,
  type Refused,
  type Revoked,
  USERNAME_MAX_LENGTH,
  USERNAME_MIN_LENGTH,
} from "../auth";
import type { FieldErrors } from "../views/field-errors";
import { plural, waitFor } from "../words";

/** What a field holds, which decides how its refusal is worded. */
type FieldKind =
  | "username"
  | "new password"
  | "confirmation"
  | "password at sign-in"
  | "password"
  | "code"
  | "passkey at sign-in"
  | "credential name";

const tooManyCodes = (lockedUntil: number, now: number) =>
  `Too many wrong codes. Try again in ${waitFor(lockedUntil, now)}.`;
const tooManyPasswords = (lockedUntil: number, now: number) =>
  `Too many failed sign-ins for this username. Try again in ${waitFor(lockedUntil, now)}.`;

/** The sentence a person reads for a refusal: every word of it is the web layer's. */
function sentence(reason: Reason, kind: FieldKind, lockedUntil: number | undefined, now: number): string {
  const lockedToo = (words: string) => (lockedUntil ? `${words} ${tooManyCodes(lockedUntil, now)}` : words);
  const [min, max] =
    kind === "username"
      ? [USERNAME_MIN_LENGTH, USERNAME_MAX_LENGTH]
      : kind === "credential name"
        ? [1, CREDENTIAL_NAME_MAX_LENGTH]
        : [PASSWORD_MIN_LENGTH, PASSWORD_MAX_LENGTH];
  switch (reason) {
    case "wrong_password":
      return kind === "password at sign-in" ? "Wrong username or password." : "That is not your password.";
    case "password_locked":
      return tooManyPasswords(lockedUntil ?? now, now);
    case "wrong_code":
      return lockedToo("That code is not right. Check the time on your phone and try the newest code.");
    case "replayed_code":
      return lockedToo("That code was already used. Wait for the next one.");
    case "code_locked":
      return tooManyCodes(lockedUntil ?? now, now);
    case "not_a_code":
      return "Enter the 6-digit code from your authenticator app.";
    case "not_a_code_or_recovery_code":
      return "Enter the 6-digit code from your authenticator app, or one of your recovery codes.";
    case "webauthn_failed":
      return kind === "passkey at sign-in"
        ? "This passkey could not be verified, or is not registered here. Sign in with your username and password."
        : lockedToo("Your passkey or security key could not be verified. Try again, or use another way.");
    case "webauthn_expired":
      return lockedToo("That request expired or was already answered. Try again.");
    case "webauthn_unknown":
      return kind === "passkey at sign-in"
        ? "This passkey is not registered here. Sign in with your username and password."
        : lockedToo("This passkey or security key is not registered to your account.");
    case "webauthn_unverified":
      return "Your passkey did not check that it is you (with a PIN, fingerprint or face), so it cannot sign you in on its own. Sign in with your password.";
    case "webauthn_cloned":
      return lockedToo(
        "This passkey or security key was refused: its signature counter went backwards, a sign it may have been copied. Use another way, and remove it from your account if it is yours.",
      );
    case "last_factor":
      return "This is your only second factor. Add another passkey or security key, or link an authenticator app, before you remove it.";
    case "already_completed":
      return "This sign-in was already completed in another tab. Reload the page.";
    case "session_ended":
      return "This session ended meanwhile. Sign in again.";
    case "too_short":
      return kind === "credential name" ? "Give it a name." : `Use at least ${min} characters.`;
    case "too_long":
      return `Use at most ${max} characters.`;
    case "bad_characters":
      return "Use only letters, digits, and _ . -";
    case "taken":
      return "This username is taken. Choose another, or sign in if it is yours.";
    case "common":
      return "This password is on a list of common passwords that attackers try first. Choose another.";
    case "is_username":
      return "Your password must not be your username.";
    case "unchanged":
      return "Choose a password other than your current one.";
    case "mismatch":
      return "The two passwords do not match.";
  }
}

/** A refusal in words, field by field, for the form to show under each field. */
export function wordsFor<Field extends string>(
  { refused, lockedUntil }: Refused<Field>,
  kinds: Record<Field, FieldKind>,
  now: number,
): FieldErrors<Field> {
  const words: FieldErrors<Field> = {};
  for (const field of Object.keys(refused) as Field[]) {
    const reason = refused[field];
    if (reason) words[field] = sentence(reason, kinds[field], lockedUntil, now);
  }
  return words;
}

/** "2 other sessions signed out, 1 trusted browser forgotten". */
export const describeRevoked = (revoked: Revoked) =>
  `${plural(revoked.sessions, "other session")} signed out, ${plural(revoked.trustedBrowsers, "trusted browser")} forgotten`;
