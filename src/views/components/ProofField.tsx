import type { FieldErrors } from "../field-errors";
import { Field, firstInError } from "./Field";
import { PasswordField } from "./PasswordField";

type ProofFieldProps = {
  id: string;
  error?: string;
  autofocus?: boolean;
  /** A passkey or security key is registered: it may prove the owner instead of a code. */
  passkeyMayProve: boolean;
};

/**
 * The proof a sensitive action asks for: a code from the app or a recovery code; or, with a
 * passkey or security key registered, an empty field and that key's answer, which
 * public/webauthn.js asks for and puts in `assertion`.
 */
export function ProofField({ id, error, autofocus, passkeyMayProve }: ProofFieldProps) {
  return (
    <>
      <Field
        id={id}
        name="otp"
        label="Code"
        hint={
          passkeyMayProve
            ? "The code your authenticator app shows now, or a recovery code. Or leave it empty and confirm with your passkey or security key."
            : "The code your authenticator app shows now, or one of your recovery codes."
        }
        error={error}
        autocomplete="one-time-code"
        autocapitalize="none"
        spellcheck="false"
        maxlength="13"
        required={!passkeyMayProve}
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
};

/** The password and a current factor: what the weightiest actions ask for. The first field in error gets the cursor. */
export function PasswordAndProofFields({ idPrefix, errors, passkeyMayProve }: PasswordAndProofProps) {
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
      />
    </>
  );
}
