import { Field } from "./Field";

type CodeFieldProps = { id?: string; label?: string; error?: string; hint?: string };

/** The field for a 6-digit code: a number pad on phones, autofill from SMS-style one-time-code sources, spaces allowed. */
export function CodeField({ id, label = "6-digit code", error, hint }: CodeFieldProps) {
  return (
    <Field
      id={id}
      name="otp"
      label={label}
      error={error}
      hint={hint}
      autocomplete="one-time-code"
      inputmode="numeric"
      pattern="[0-9 \-]{6,9}"
      maxlength="9"
      required
      autofocus
    />
  );
}
