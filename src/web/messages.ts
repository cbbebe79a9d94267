import {
  CREDENTIAL_NAME_MAX_LENGTH,
  type Failure,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  REPUDIATION_DAYS,
  type Reason,
  type Revoked,
  reasonsOf,
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
  | "credential name"
  | "link"
  | "email";

const tooManyCodes = (lockedUntil: number, now: number) =>
  `Too many wrong codes. Try again in ${waitFor(lockedUntil, now)}.`;
const tooManyPasswords = (lockedUntil: number, now: number) =>
  `Too many failed sign-ins for this username. Try again in ${waitFor(lockedUntil, now)}.`;

/** The sentence a person reads for a refusal: every word of it is the web layer's. */
function sentence(reason: Reason, kind: FieldKind, lockedUntil: number | undefined, now: number): string {
  const lockedToo = (words: string) => (lockedUntil ? `${words} ${tooManyCodes(lockedUntil, now)}` : words);
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
    case "new_key_failed":
    case "new_key_taken":
      return kind === "passkey at sign-in"
        ? "This passkey could not be verified, or is not registered here. Sign in with your username and password."
        : lockedToo("Your passkey or security key could not be verified. Try again, or use another way.");
    case "webauthn_expired":
    case "new_key_expired":
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
    case "credential_unknown":
      return "There is no such passkey or security key on your account.";
    case "reset_not_pending":
      return "No new authenticator app is waiting to be confirmed. Start again.";
    case "last_factor":
      return "This is your only second factor. Add another passkey or security key, or link an authenticator app, before you remove it.";
    case "already_completed":
      return "This sign-in was already completed in another tab. Reload the page.";
    case "session_ended":
      return "This session ended meanwhile. Sign in again.";
    case "link_unknown":
      return "This link is not one of ours, or it was cut short. Open it again from the notice.";
    case "link_used":
      return "This link was used already: what it offered was done. If something still looks wrong, sign in and check your security log.";
    case "link_expired":
      return `This link has expired: it works for ${plural(REPUDIATION_DAYS, "day")}. Sign in and check your security log.`;
    case "email_invalid":
      return "Enter one email address, such as you@example.com.";
    case "username_too_short":
      return `Use at least ${USERNAME_MIN_LENGTH} characters.`;
    case "username_too_long":
      return `Use at most ${USERNAME_MAX_LENGTH} characters.`;
    case "username_bad_characters":
      return "Use only letters, digits, and _ . -";
    case "username_taken":
      return "This username is taken. Choose another, or sign in if it is yours.";
    case "password_too_short":
      return `Use at least ${PASSWORD_MIN_LENGTH} characters.`;
    case "password_too_long":
      return `Use at most ${PASSWORD_MAX_LENGTH} characters.`;
    case "password_common":
      return "This password is on a list of common passwords that attackers try first. Choose another.";
    case "password_is_username":
      return "Your password must not be your username.";
    case "password_unchanged":
      return "Choose a password other than your current one.";
    case "passwords_differ":
      return "The two passwords do not match.";
    case "name_missing":
      return "Give it a name.";
    case "name_too_long":
      return `Use at most ${CREDENTIAL_NAME_MAX_LENGTH} characters.`;
  }
}

/** The reasons about a new password's own value, which its field shows. */
const NEW_PASSWORD_REASONS: readonly Reason[] = [
  "password_too_short",
  "password_too_long",
  "password_common",
  "password_is_username",
  "password_unchanged",
];

/** Which field of a form each reason is about. */
export const fieldsOf = {
  registration: (reason: Reason) =>
    reason.startsWith("username_") ? "username" : reason === "passwords_differ" ? "confirm" : "password",
  passwordChange: (reason: Reason) =>
    reason === "passwords_differ"
      ? "confirm"
      : NEW_PASSWORD_REASONS.includes(reason)
        ? "new_password"
        : "current_password",
  passwordAndFactor: (reason: Reason) =>
    reason === "wrong_password" || reason === "password_locked" ? "password" : "otp",
  emailAndFactor: (reason: Reason) => (reason === "email_invalid" ? "email" : "otp"),
  newCredential: (reason: Reason) =>
    reason.startsWith("name_") ? "name" : reason.startsWith("new_key_") ? "credential" : "otp",
} as const;

/**
 * A refusal in words, field by field, for the form to show under each field: `fieldOf` says
 * which of the form's fields each reason is about (by default, its only field).
 */
export function wordsFor<Field extends string>(
  failure: Failure,
  kinds: Record<Field, FieldKind>,
  now: number,
  fieldOf: (reason: Reason) => Field = () => Object.keys(kinds)[0] as Field,
): FieldErrors<Field> {
  const words: FieldErrors<Field> = {};
  for (const reason of reasonsOf(failure)) {
    const field = fieldOf(reason);
    words[field] ??= sentence(reason, kinds[field], failure.lockedUntil, now);
  }
  return words;
}

/** "2 other sessions signed out, 1 trusted browser forgotten". */
export const describeRevoked = (revoked: Revoked) =>
  `${plural(revoked.sessions, "other session")} signed out, ${plural(revoked.trustedBrowsers, "trusted browser")} forgotten`;
