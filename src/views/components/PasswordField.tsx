import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from "../../auth";
import { Field } from "./Field";

type PasswordFieldProps = {
  /** The password one has, one being chosen (with its rule as the hint), or that one again. */
  kind: "current" | "new" | "again";
  name: string;
  label: string;
  id?: string;
  error?: string;
  autofocus?: boolean;
  "aria-describedby"?: string;
};

/** A password input, with the browser told what it holds so that password managers fill or offer the right one. */
export function PasswordField({ kind, ...field }: PasswordFieldProps) {
  return (
    <Field
      {...field}
      type="password"
      autocomplete={kind === "current" ? "current-password" : "new-password"}
      required
      minlength={kind === "new" ? String(PASSWORD_MIN_LENGTH) : undefined}
      maxlength={String(PASSWORD_MAX_LENGTH)}
      hint={
        kind === "new"
          ? `${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters. A long passphrase is best.`
          : undefined
      }
    />
  );
}
