import { SignOutButton } from "../components/SignOutButton";

type HomePageProps = {
  csrfToken: string;
  username: string;
  recoveryCodesLeft: number;
  /** Failed code attempts between the previous sign-in and this one. */
  failedCodesBefore: number;
};

const LOW_RECOVERY_CODES = 2;

export function HomePage({ csrfToken, username, recoveryCodesLeft, failedCodesBefore }: HomePageProps) {
  return (
    <article class="card">
      <h1 safe>{`Welcome, ${username}!`}</h1>
      {failedCodesBefore > 0 ? (
        <p class="notice warning" role="alert">
          <strong>
            {failedCodesBefore} failed code {failedCodesBefore === 1 ? "attempt" : "attempts"} since your last sign-in.
          </strong>{" "}
          If that was not you, someone knows your password: change it.
        </p>
      ) : (
        ""
      )}
      <p>You are signed in with your password and a code from your authenticator app.</p>
      <p class={recoveryCodesLeft <= LOW_RECOVERY_CODES ? "notice warning" : "notice"}>
        {recoveryCodesLeft} recovery {recoveryCodesLeft === 1 ? "code" : "codes"} left.
        {recoveryCodesLeft <= LOW_RECOVERY_CODES
          ? " Running low: if you lose your phone with none left, you are locked out."
          : ""}
      </p>
      <SignOutButton csrfToken={csrfToken} />
    </article>
  );
}
