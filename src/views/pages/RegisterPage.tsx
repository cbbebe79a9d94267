import { type RegistrationForm, USERNAME_MAX_LENGTH, USERNAME_MIN_LENGTH, USERNAME_PATTERN } from "../../auth";
import type { AuthPaths } from "../../paths";
import { Field, firstInError } from "../components/Field";
import { ChosenPasswordFields } from "../components/PasswordField";
import { PostForm } from "../components/PostForm";
import { SwapLink } from "../components/SwapLink";
import type { FieldErrors } from "../field-errors";

type RegisterPageProps = {
  paths: AuthPaths;
  csrfToken: string;
  username?: string;
  errors?: FieldErrors<keyof RegistrationForm>;
};

export function RegisterPage({ paths, csrfToken, username = "", errors = {} }: RegisterPageProps) {
  const focus = firstInError(["username", "password", "confirm"], errors) ?? "username";
  return (
    <article class="card">
      <hgroup>
        <h1>Create your account</h1>
        <p>Step 1 of 3: then you link an authenticator app and confirm one code.</p>
      </hgroup>
      <PostForm action={paths.register} csrfToken={csrfToken}>
        <Field
          name="username"
          label="Username"
          value={username}
          error={errors.username}
          hint={`${USERNAME_MIN_LENGTH} to ${USERNAME_MAX_LENGTH} letters, digits, _ . or -`}
          autocomplete="username"
          autocapitalize="none"
          spellcheck="false"
          required
          minlength="3"
          maxlength={String(USERNAME_MAX_LENGTH)}
          pattern={USERNAME_PATTERN}
          autofocus={focus === "username"}
        />
        <ChosenPasswordFields name="password" label="Password" errors={errors} focus={focus} />
        <button type="submit">Create account</button>
      </PostForm>
      <p>
        Already have an account? <SwapLink href={paths.login}>Sign in</SwapLink>
      </p>
    </article>
  );
}
