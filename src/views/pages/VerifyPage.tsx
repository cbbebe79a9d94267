import type { AuthPaths } from "../../paths";
import { CodeField } from "../components/CodeField";
import { Field } from "../components/Field";
import { PostForm } from "../components/PostForm";
import { SignOutButton } from "../components/SignOutButton";
import { SwapLink } from "../components/SwapLink";

type VerifyPageProps = {
  paths: AuthPaths;
  csrfToken: string;
  appName: string;
  /** How long "don't ask again" trusts this browser. */
  trustedBrowserDays: number;
  /** 2FA is not on yet: this code turns it on. */
  enrolling: boolean;
  /** Ask for a recovery code instead of a 6-digit one (a text keyboard, not a number pad). */
  recovery?: boolean;
  /** The "don't ask again on this browser" box, as last sent. */
  remember?: boolean;
  error?: string;
};

/** The code form: the last step of enrollment, and the second step of every sign-in. */
export function VerifyPage({
  paths,
  csrfToken,
  appName,
  trustedBrowserDays,
  enrolling,
  recovery = false,
  remember = false,
  error,
}: VerifyPageProps) {
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
        <h1>{recovery ? "Use a recovery code" : "Enter your code"}</h1>
        <p>{enrolling ? "Step 3 of 3" : "Second step of signing in"}</p>
      </hgroup>
      {recovery ? (
        <p>Each recovery code works once.</p>
      ) : (
        <p safe>{`Open your authenticator app and type the code it shows for ${appName}.`}</p>
      )}
      <PostForm action={recovery ? `${paths.verify}?recovery` : paths.verify} csrfToken={csrfToken}>
        {codeField}
        <label>
          <input type="checkbox" name="remember" checked={remember} />
          <span safe>{` Don't ask for a code on this browser for ${trustedBrowserDays} days`}</span>
        </label>
        <button type="submit">{enrolling ? "Turn on two-factor sign-in" : "Verify"}</button>
      </PostForm>
      {enrolling ? (
        <p>
          <SwapLink href={paths.setup}>Show the QR code again</SwapLink>
        </p>
      ) : (
        <p>
          {recovery ? (
            <SwapLink href={paths.verify}>Use the code from your app instead</SwapLink>
          ) : (
            <SwapLink href={`${paths.verify}?recovery`}>Lost your phone? Use a recovery code</SwapLink>
          )}
        </p>
      )}
      <SignOutButton paths={paths} csrfToken={csrfToken} label="Cancel and sign out" />
    </article>
  );
}
