import { SignOutButton } from "../components/SignOutButton";
import { SwapLink } from "../components/SwapLink";

type SetupPageProps = {
  csrfToken: string;
  appName: string;
  username: string;
  qrCodeDataUrl: string;
  secret: string;
  groupedKey: string;
};

/** The QR panel. It is swapped for the code form, and back, in place. */
export function SetupPage({ csrfToken, appName, username, qrCodeDataUrl, secret, groupedKey }: SetupPageProps) {
  return (
    <article class="card" id="enroll-panel">
      <hgroup>
        <h1>Link your authenticator app</h1>
        <p>Step 2 of 3</p>
      </hgroup>
      <p>Scan this QR code with Google Authenticator, Aegis, 1Password or any other authenticator app.</p>
      <figure class="qr">
        <img
          src={qrCodeDataUrl}
          width="240"
          height="240"
          alt={`QR code that adds ${appName} (${username}) to your authenticator app. The same key is written out below.`}
        />
      </figure>
      <p id="key-label">Can't scan it? Type this key into the app instead:</p>
      <p class="key-row">
        <code class="totp-key" safe>
          {groupedKey}
        </code>
        <button type="button" class="secondary outline copy" data-copy={secret} hidden>
          Copy key
        </button>
      </p>
      <p>
        <SwapLink href="/verify-2fa" role="button">
          I've scanned it
        </SwapLink>
      </p>
      <SignOutButton csrfToken={csrfToken} label="Cancel and sign out" />
    </article>
  );
}
