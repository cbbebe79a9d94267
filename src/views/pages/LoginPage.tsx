import { USERNAME_MAX_LENGTH } from "../../auth";
import type { AuthPaths } from "../../paths";
import { Field } from "../components/Field";
import { PasswordField } from "../components/PasswordField";
import { PostForm } from "../components/PostForm";
import { SwapLink } from "../components/SwapLink";
import { WebAuthnForm } from "../components/WebAuthnForm";

type LoginPageProps = {
  paths: AuthPaths;
  csrfToken: string;
  username?: string;
  error?: string;
  /** Why a passkey sign-in was refused. */
  passkeyError?: string;
  /** What just happened, such as the account's deletion. */
  notice?: string;
};

export function LoginPage({ paths, csrfToken, username = "", error, passkeyError, notice }: LoginPageProps) {
  return (
    <article class="card">
      <h1>Sign in</h1>
      {notice ? (
        <p class="notice" role="status" safe>
          {notice}
        </p>
      ) : (
        ""
      )}
      <PostForm action={paths.login} csrfToken={csrfToken}>
        {error ? (
          <p class="form-error" id="login-error" role="alert" safe>
            {error}
          </p>
        ) : (
          ""
        )}
        <Field
          name="username"
          label="Username"
          value={username}
          autocomplete="username webauthn"
          autocapitalize="none"
          spellcheck="false"
          required
          maxlength={String(USERNAME_MAX_LENGTH)}
          autofocus={!username}
        />
        <PasswordField
          kind="current"
          name="password"
          label="Password"
          autofocus={Boolean(username)}
          aria-describedby={error ? "login-error" : undefined}
        />
        <button type="submit">Continue</button>
      </PostForm>
      <WebAuthnForm
        action={paths.passkeySignIn}
        options={paths.passkeyOptions}
        csrfToken={csrfToken}
        error={passkeyError}
        autofill
      >
        <button type="button" class="secondary" data-webauthn-start>
          Sign in with a passkey
        </button>
      </WebAuthnForm>
      <p>
        New here? <SwapLink href={paths.register}>Create an account</SwapLink>
      </p>
    </article>
  );
}
