import type { FieldErrors } from "../field-errors";
import { Field, firstInError } from "./Field";
import { PasswordField } from "./PasswordField";
import { utcMinute } from "./Time";

type ProofFieldProps = {
  id: string;
  error?: string;
  autofocus?: boolean;
  /** A passkey or security key is registered: it may prove the owner instead of a code. */
  passkeyMayProve: boolean;
  /** Until when a factor given lately in this session stands in for one: the field may stay empty till then. */
  recentUntil?: number | null;
};

/** The `data-*` attribute that has public/webauthn.js ask a passkey for the proof, when one may give it and one is needed. */
export const passkeyProof = (options: string, passkeyMayProve: boolean, recentUntil?: number | null) =>
  passkeyMayProve && !recentUntil ? { "data-webauthn-proof": options } : {};

function proofHint(passkeyMayProve: boolean, recentUntil: number | null | undefined): string {
  if (recentUntil) {
    const until = utcMinute(new Date(recentUntil).toISOString());
    return `You gave a second factor a moment ago, so until ${until} you may leave this empty. Or type a current code.`;
  }
  return passkeyMayProve
    ? "The code your authenticator app shows now, or a recovery code. Or leave it empty and confirm with your passkey or security key."
    : "The code your authenticator app shows now, or one of your recovery codes.";
}

/**
 * The proof a sensitive action asks for: a code from the app or a recovery code; or, with a
 * passkey or security key registered, an empty field and that key's answer, which
 * public/webauthn.js asks for and puts in `assertion`; or, while a recent one stands, nothing.
 */
export function ProofField({ id, error, autofocus, passkeyMayProve, recentUntil }: ProofFieldProps) {
  return (
    <>
      <Field
        id={id}
        name="otp"
        label="Code"
        hint={proofHint(passkeyMayProve, recentUntil)}
        error={error}
        autocomplete="one-time-code"
        autocapitalize="none"
        spellcheck="false"
        maxlength="13"
        required={!passkeyMayProve && !recentUntil}
        autofocus={autofocus}
      />
      {passkeyMayProve ? (
        <>
          <input type="hidden" name="assertion" value="" />
          <p class="form-error" role="alert" data-webauthn-error hidden />
        </>
      ) : (
        ""
      )}
    </>
  );
}

type PasswordAndProofProps = {
  /** What the fields' ids start with, such as `reset`: `reset-password`, `reset-otp`. */
  idPrefix: string;
  errors: FieldErrors<"password" | "otp">;
  passkeyMayProve: boolean;
  recentUntil?: number | null;
};

/** The password and a current factor: what the weightiest actions ask for. The first field in error gets the cursor. */
export function PasswordAndProofFields({ idPrefix, errors, passkeyMayProve, recentUntil }: PasswordAndProofProps) {
  const focus = firstInError(["password", "otp"], errors);
  return (
    <>
      <PasswordField
        kind="current"
        id={`${idPrefix}-password`}
        name="password"
        label="Your password"
        error={errors.password}
        autofocus={focus === "password"}
      />
      <ProofField
        id={`${idPrefix}-otp`}
        error={errors.otp}
        autofocus={focus === "otp"}
        passkeyMayProve={passkeyMayProve}
        recentUntil={recentUntil}
      />
    </>
  );
}
