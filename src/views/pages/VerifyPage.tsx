import type { AuthPaths } from "../../paths";
import { CodeField } from "../components/CodeField";
import { Field } from "../components/Field";
import { PostForm } from "../components/PostForm";
import { RememberBox } from "../components/RememberBox";
import { SignOutButton } from "../components/SignOutButton";
import { SwapLink } from "../components/SwapLink";
import { WebAuthnForm } from "../components/WebAuthnForm";

export type VerifyPageProps = {
  paths: AuthPaths;
  csrfToken: string;
  appName: string;
  /** How long "don't ask again" trusts this browser. */
  trustedBrowserDays: number;
  /** 2FA is not on yet: this code turns it on. */
  enrolling: boolean;
  /** The factors this person has: an app linked, passkeys or security keys registered. */
  factors?: { app: boolean; webauthn: boolean };
  /** Ask for a recovery code instead of a 6-digit one (a text keyboard, not a number pad). */
  recovery?: boolean;
  /** The "don't ask again on this browser" box, as last sent. */
  remember?: boolean;
  error?: string;
  /** Why the passkey or security key was refused. */
  webauthnError?: string;
};

/** The second step: the last step of enrollment, and of every sign-in, with each factor the person has. */
export function VerifyPage({
  paths,
  csrfToken,
  appName,
  trustedBrowserDays,
  enrolling,
  factors = { app: true, webauthn: false },
  recovery = false,
  remember = false,
  error,
  webauthnError,
}: VerifyPageProps) {
  const offerWebAuthn = factors.webauthn && !enrolling && !recovery;
  const offerCode = enrolling || recovery || factors.app;
  const codeField = recovery ? (
    <Field
      name="otp"
      label="Recovery code"
      error={error}
      hint="One of the codes you saved when you turned on two-factor sign-in, like 7k2m9-qx4pt."
      autocomplete="off"
      autocapitalize="none"
      spellcheck="false"
      maxlength="13"
      required
      autofocus
    />
  ) : (
    <CodeField error={error} />
  );
  return (
    <article class="card" id="enroll-panel">
      <hgroup>
        <h1>{recovery ? "Use a recovery code" : offerCode ? "Enter your code" : "Confirm it's you"}</h1>
        <p>{enrolling ? "Step 3 of 3" : "Second step of signing in"}</p>
      </hgroup>
      {offerWebAuthn ? (
        <WebAuthnForm
          action={paths.verifyWebAuthn}
          options={paths.verifyWebAuthnOptions}
          csrfToken={csrfToken}
          error={webauthnError}
        >
          <p>Use the passkey or security key you added to your account.</p>
          <RememberBox days={trustedBrowserDays} checked={remember} id="remember-webauthn" />
          <button type="button" data-webauthn-start>
            Use your passkey or security key
          </button>
        </WebAuthnForm>
      ) : (
        ""
      )}
      {offerWebAuthn && !offerCode ? (
        <p class="form-error" data-webauthn-fallback>
          Your passkey or security key needs JavaScript and a browser that supports passkeys. Turn JavaScript on, or use
          a recovery code.
        </p>
      ) : (
        ""
      )}
      {offerCode ? (
        <>
          {recovery ? (
            <p>Each recovery code works once.</p>
          ) : (
            <p
              safe
            >{`${offerWebAuthn ? "Or open" : "Open"} your authenticator app and type the code it shows for ${appName}.`}</p>
          )}
          <PostForm action={recovery ? `${paths.verify}?recovery` : paths.verify} csrfToken={csrfToken}>
            {codeField}
            <RememberBox days={trustedBrowserDays} checked={remember} />
            <button type="submit">{enrolling ? "Turn on two-factor sign-in" : "Verify"}</button>
          </PostForm>
        </>
      ) : (
        ""
      )}
      {enrolling ? (
        <p>
          <SwapLink href={paths.setup}>Show the QR code again</SwapLink>
        </p>
      ) : (
        <p>
          {recovery ? (
            <SwapLink href={paths.verify}>
              {factors.app ? "Use the code from your app instead" : "Use your passkey or security key instead"}
            </SwapLink>
          ) : (
            <SwapLink href={`${paths.verify}?recovery`}>
              {factors.app ? "Lost your phone? Use a recovery code" : "Lost your key? Use a recovery code"}
            </SwapLink>
          )}
        </p>
      )}
      <SignOutButton paths={paths} csrfToken={csrfToken} label="Cancel and sign out" />
    </article>
  );
}
