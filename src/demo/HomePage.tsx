import { type AuthPaths, SignOutButton } from "../index";

/** "1 recovery code", "3 recovery codes". */
const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? "" : "s"}`;

type HomePageProps = {
  paths: AuthPaths;
  csrfToken: string;
  username: string;
  recoveryCodesLeft: number;
  /** Failed code attempts between the previous sign-in and this one. */
  failedCodesBefore: number;
  /** This session was signed in with a recovery code: maybe the phone is lost. */
  usedRecoveryCode: boolean;
  /** An authenticator app is linked; without one, the second factors are passkeys and security keys. */
  appLinked: boolean;
  /** The auth's passkey offer, drawn by `twoFactor.passkeyOffer(request)`: empty but minutes after a sign-in. */
  passkeyOffer: JSX.Element;
};

const LOW_RECOVERY_CODES = 2;

export function HomePage({
  paths,
  csrfToken,
  username,
  recoveryCodesLeft,
  failedCodesBefore,
  usedRecoveryCode,
  appLinked,
  passkeyOffer,
}: HomePageProps) {
  const runningLow = recoveryCodesLeft <= LOW_RECOVERY_CODES;
  return (
    <>
      {passkeyOffer}
      <article class="card">
        <h1 safe>{`Welcome, ${username}!`}</h1>
        {failedCodesBefore > 0 ? (
          <p class="notice warning" role="alert">
            <strong safe>{`${plural(failedCodesBefore, "failed code attempt")} since your last sign-in.`}</strong> If
            that was not you, someone knows your password: <a href={`${paths.account}#password`}>change it</a>.
          </p>
        ) : (
          ""
        )}
        {usedRecoveryCode ? (
          <p class="notice warning" role="status">
            You used a recovery code, {recoveryCodesLeft} left.{" "}
            {appLinked ? (
              <>
                Lost your phone? <a href={`${paths.account}#reset-authenticator`}>Reset your authenticator</a>
              </>
            ) : (
              <>
                Lost your key? <a href={`${paths.account}#passkeys`}>Add another passkey or security key</a>
              </>
            )}
          </p>
        ) : (
          ""
        )}
        <p>You are signed in with your password and a second factor.</p>
        {usedRecoveryCode ? (
          ""
        ) : (
          <p class={runningLow ? "notice warning" : "notice"} safe>
            {`${plural(recoveryCodesLeft, "recovery code")} left.${runningLow ? " Running low: if you lose your phone with none left, you are locked out. Make new ones in the security settings." : ""}`}
          </p>
        )}
        <p>
          <a href={paths.account} class="button" hx-get={paths.account} hx-target="#main" hx-push-url="true">
            Security settings
          </a>
        </p>
        <SignOutButton paths={paths} csrfToken={csrfToken} />
      </article>
    </>
  );
}
