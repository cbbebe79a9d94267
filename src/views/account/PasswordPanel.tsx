import type { PasswordChangeForm } from "../../auth";
import type { AuthPaths } from "../../paths";
import { firstInError } from "../components/Field";
import { ChosenPasswordFields, PasswordField } from "../components/PasswordField";
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
        <PasswordField
          kind="current"
          name="current_password"
          label="Current password"
          error={errors.current_password}
          autofocus={focus === "current_password"}
        />
        <ChosenPasswordFields
          name="new_password"
          label="New password"
          confirmId="new-password-confirm"
          errors={errors}
          focus={focus}
        />
        <button type="submit" class="secondary">
          Change password
        </button>
      </PostForm>
    </Panel>
  );
}
