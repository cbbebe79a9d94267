import type { AuthPaths } from "../../paths";
import { attributeText } from "../attribute";
import { Field } from "../components/Field";
import { PostForm } from "../components/PostForm";
import { WebAuthnForm } from "../components/WebAuthnForm";

type ConfirmPageProps = {
  paths: AuthPaths;
  csrfToken: string;
  /** The factors this person has: an app linked, passkeys or security keys registered. */
  factors: { app: boolean; webauthn: boolean };
  /** Where the person goes back to once confirmed: a path on this origin, already checked. */
  returnPath: string;
  error?: string;
  /** Why the passkey or security key was refused. */
  webauthnError?: string;
};

/** The code field, for a code from the app or a recovery code; or, without an app, a recovery code alone. */
function CodeForm({ paths, csrfToken, factors, returnPath, error }: ConfirmPageProps) {
  return (
    <PostForm action={paths.confirm} csrfToken={csrfToken}>
      <input type="hidden" name="return" value={attributeText(returnPath)} />
      <Field
        name="otp"
        label={factors.app ? "Code" : "Recovery code"}
        hint={
          factors.app
            ? "The code your authenticator app shows now, or one of your recovery codes."
            : "One of the codes you saved when you turned on two-factor sign-in, like 7k2m9-qx4pt."
        }
        error={error}
        autocomplete="one-time-code"
        autocapitalize="none"
        spellcheck="false"
        maxlength="13"
        required
        autofocus={factors.app}
      />
      <button type="submit">Confirm</button>
    </PostForm>
  );
}

/**
 * The page a route that wants a recent second factor sends a session to: any factor the person
 * has, then back to where they were going.
 */
export function ConfirmPage(props: ConfirmPageProps) {
  const { paths, csrfToken, factors, returnPath, webauthnError, error } = props;
  return (
    <article class="card">
      <hgroup>
        <h1>Confirm it's you</h1>
        <p>This page changes something that matters, so it asks for your second factor again.</p>
      </hgroup>
      {factors.webauthn ? (
        <WebAuthnForm action={paths.confirm} options={paths.proofOptions} csrfToken={csrfToken} error={webauthnError}>
          <input type="hidden" name="return" value={attributeText(returnPath)} />
          <button type="button" data-webauthn-start>
            Use your passkey or security key
          </button>
        </WebAuthnForm>
      ) : (
        ""
      )}
      {factors.app ? (
        <CodeForm {...props} />
      ) : (
        <details open={Boolean(error)}>
          <summary>Lost your key? Use a recovery code</summary>
          <CodeForm {...props} />
        </details>
      )}
      <p>
        <a href={paths.home}>Cancel</a>
      </p>
    </article>
  );
}
