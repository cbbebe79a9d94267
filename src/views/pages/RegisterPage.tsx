import type { FieldErrors, RegistrationForm } from "../../auth";
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from "../../auth/passwords";
import { USERNAME_PATTERN } from "../../auth/users";
import { Field, firstInError } from "../components/Field";
import { PostForm } from "../components/PostForm";
import { SwapLink } from "../components/SwapLink";

type RegisterPageProps = { csrfToken: string; username?: string; errors?: FieldErrors<keyof RegistrationForm> };

export function RegisterPage({ csrfToken, username = "", errors = {} }: RegisterPageProps) {
  const focus = firstInError(["username", "password", "confirm"], errors) ?? "username";
  return (
    <article class="card">
      <hgroup>
        <h1>Create your account</h1>
        <p>Step 1 of 3: then you link an authenticator app and confirm one code.</p>
      </hgroup>
      <PostForm action="/register" csrfToken={csrfToken}>
        <Field
          name="username"
          label="Username"
          value={username}
          error={errors.username}
          hint="3 to 32 letters, digits, _ . or -"
          autocomplete="username"
          autocapitalize="none"
          spellcheck="false"
          required
          minlength="3"
          maxlength="32"
          pattern={USERNAME_PATTERN}
          autofocus={focus === "username"}
        />
        <Field
          name="password"
          label="Password"
          type="password"
          error={errors.password}
          hint={`${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters. A long passphrase is best.`}
          autocomplete="new-password"
          required
          minlength={String(PASSWORD_MIN_LENGTH)}
          maxlength={String(PASSWORD_MAX_LENGTH)}
          autofocus={focus === "password"}
        />
        <Field
          name="confirm"
          label="Password, again"
          type="password"
          error={errors.confirm}
          autocomplete="new-password"
          required
          maxlength={String(PASSWORD_MAX_LENGTH)}
          autofocus={focus === "confirm"}
        />
        <button type="submit">Create account</button>
      </PostForm>
      <p>
        Already have an account? <SwapLink href="/login">Sign in</SwapLink>
      </p>
    </article>
  );
}
