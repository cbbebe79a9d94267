import type { AuthPaths } from "../../paths";
import { firstInError } from "../components/Field";
import { ChosenPasswordFields } from "../components/PasswordField";
import { PostForm } from "../components/PostForm";
import { SignOutButton } from "../components/SignOutButton";
import type { FieldErrors } from "../field-errors";

type NewPasswordPageProps = {
  paths: AuthPaths;
  csrfToken: string;
  errors?: FieldErrors<"new_password" | "confirm">;
};

/** The step after a disowned password change: a new password before anything else. */
export function NewPasswordPage({ paths, csrfToken, errors = {} }: NewPasswordPageProps) {
  const focus = firstInError(["new_password", "confirm"], errors) ?? "new_password";
  return (
    <article class="card">
      <hgroup>
        <h1>Choose a new password</h1>
        <p>You reported a password change you did not make, so that password no longer signs you in.</p>
      </hgroup>
      <PostForm action={paths.newPassword} csrfToken={csrfToken}>
        <ChosenPasswordFields
          name="new_password"
          label="New password"
          confirmId="new-password-confirm"
          errors={errors}
          focus={focus}
        />
        <button type="submit">Set the new password</button>
      </PostForm>
      <SignOutButton paths={paths} csrfToken={csrfToken} label="Cancel and sign out" />
    </article>
  );
}
