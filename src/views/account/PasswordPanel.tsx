import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, type PasswordChangeForm } from "../../auth";
import type { AuthPaths } from "../../paths";
import { Field, firstInError } from "../components/Field";
import { PostForm } from "../components/PostForm";
import type { FieldErrors } from "../field-errors";
import { Panel } from "./Panel";

type PasswordPanelProps = {
  paths: AuthPaths;
  csrfToken: string;
  errors?: FieldErrors<keyof PasswordChangeForm>;
  notice?: string;
};

const PANEL = "password";

export function PasswordPanel({ paths, csrfToken, errors = {}, notice }: PasswordPanelProps) {
  const focus = firstInError(["current_password", "new_password", "confirm"], errors);
  return (
    <Panel id={PANEL} title="Password" notice={notice}>
      <p>Changing it signs out every other session and forgets every trusted browser.</p>
      <PostForm action={paths.password} csrfToken={csrfToken} panel={PANEL}>
        <Field
          name="current_password"
          label="Current password"
          type="password"
          autocomplete="current-password"
          maxlength={String(PASSWORD_MAX_LENGTH)}
          required
          error={errors.current_password}
          autofocus={focus === "current_password"}
        />
        <Field
          name="new_password"
          label="New password"
          type="password"
          autocomplete="new-password"
          minlength={String(PASSWORD_MIN_LENGTH)}
          maxlength={String(PASSWORD_MAX_LENGTH)}
          required
          error={errors.new_password}
          autofocus={focus === "new_password"}
          hint={`${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters. A long passphrase is best.`}
        />
        <Field
          name="confirm"
          id="new-password-confirm"
          label="New password, again"
          type="password"
          autocomplete="new-password"
          maxlength={String(PASSWORD_MAX_LENGTH)}
          required
          error={errors.confirm}
          autofocus={focus === "confirm"}
        />
        <button type="submit" class="secondary">
          Change password
        </button>
      </PostForm>
    </Panel>
  );
}
