import { Field } from "../components/Field";
import { PostForm } from "../components/PostForm";
import { SignOutButton } from "../components/SignOutButton";
import { SwapLink } from "../components/SwapLink";

type VerifyPageProps = { csrfToken: string; appName: string; enrolling: boolean; error?: string };

/** The code form: the last step of enrollment, and the second step of every sign-in. */
export function VerifyPage({ csrfToken, appName, enrolling, error }: VerifyPageProps) {
  return (
    <article class="card" id="enroll-panel">
      <hgroup>
        <h1>Enter your code</h1>
        <p>{enrolling ? "Step 3 of 3" : "Second step of signing in"}</p>
      </hgroup>
      <p safe>{`Open your authenticator app and type the code it shows for ${appName}.`}</p>
      <PostForm action="/verify-2fa" csrfToken={csrfToken}>
        <Field
          name="otp"
          label="6-digit code"
          error={error}
          autocomplete="one-time-code"
          inputmode="numeric"
          pattern="[0-9 \-]{6,9}"
          maxlength="9"
          required
          autofocus
        />
        <button type="submit">{enrolling ? "Turn on two-factor sign-in" : "Verify"}</button>
      </PostForm>
      {enrolling ? (
        <p>
          <SwapLink href="/setup-2fa">Show the QR code again</SwapLink>
        </p>
      ) : (
        ""
      )}
      <SignOutButton csrfToken={csrfToken} label="Cancel and sign out" />
    </article>
  );
}
