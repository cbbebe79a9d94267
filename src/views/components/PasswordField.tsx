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

type ChosenPasswordProps = {
  /** The new password's field name: `password` at registration, `new_password` elsewhere. */
  name: "password" | "new_password";
  /** "Password" at registration, "New password" when one is replaced. */
  label: string;
  /** The confirmation's id, when `confirm` is already taken on the page. */
  confirmId?: string;
  errors: { password?: string; new_password?: string; confirm?: string };
  /** The field that takes the cursor, if one of these does. */
  focus?: string;
};

/** A password being chosen and the same again, as registration and each change ask for it. */
export function ChosenPasswordFields({ name, label, confirmId, errors, focus }: ChosenPasswordProps) {
  return (
    <>
      <PasswordField kind="new" name={name} label={label} error={errors[name]} autofocus={focus === name} />
      <PasswordField
        kind="again"
        name="confirm"
        id={confirmId}
        label={`${label}, again`}
        error={errors.confirm}
        autofocus={focus === "confirm"}
      />
    </>
  );
}
