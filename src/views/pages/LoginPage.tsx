import { Field } from "../components/Field";
import { PostForm } from "../components/PostForm";
import { SwapLink } from "../components/SwapLink";

type LoginPageProps = { csrfToken: string; username?: string; error?: string };

export function LoginPage({ csrfToken, username = "", error }: LoginPageProps) {
  return (
    <article class="card">
      <h1>Sign in</h1>
      <PostForm action="/login" csrfToken={csrfToken}>
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
          autocomplete="username"
          autocapitalize="none"
          spellcheck="false"
          required
          maxlength="32"
          autofocus={!username}
        />
        <Field
          name="password"
          label="Password"
          type="password"
          autocomplete="current-password"
          required
          maxlength="128"
          autofocus={Boolean(username)}
          aria-describedby={error ? "login-error" : undefined}
        />
        <button type="submit">Continue</button>
      </PostForm>
      <p>
        New here? <SwapLink href="/register">Create an account</SwapLink>
      </p>
    </article>
  );
}
