import type { AuthPaths } from "../../paths";
import { KeyToScan, type KeyToScanProps } from "../components/KeyToScan";
import { RememberBox } from "../components/RememberBox";
import { SignOutButton } from "../components/SignOutButton";
import { SwapLink } from "../components/SwapLink";
import { WebAuthnForm } from "../components/WebAuthnForm";

type SetupPageProps = KeyToScanProps & {
  paths: AuthPaths;
  csrfToken: string;
  trustedBrowserDays: number;
  /** Why the passkey or security key offered instead was refused. */
  webauthnError?: string;
};

/**
 * The QR panel, the default and the one way without JavaScript, with a passkey or security
 * key offered instead. It is swapped for the code form, and back, in place.
 */
export function SetupPage({ paths, csrfToken, trustedBrowserDays, webauthnError, ...key }: SetupPageProps) {
  return (
    <article class="card" id="enroll-panel">
      <hgroup>
        <h1>Link your authenticator app</h1>
        <p>Step 2 of 3</p>
      </hgroup>
      <KeyToScan {...key} />
      <p>
        <SwapLink href={paths.verify} class="button">
          I've scanned it
        </SwapLink>
      </p>
      <WebAuthnForm
        action={paths.setupWebAuthn}
        options={paths.setupWebAuthnOptions}
        ceremony="register"
        csrfToken={csrfToken}
        error={webauthnError}
      >
        <h2>No authenticator app?</h2>
        <p>
          A passkey (on this device, your phone or your password manager) or a security key does the same job, and no
          fake site can trick it into signing you in.
        </p>
        <RememberBox days={trustedBrowserDays} />
        <button type="button" class="secondary" data-webauthn-start>
          Use a passkey or security key instead
        </button>
      </WebAuthnForm>
      <SignOutButton paths={paths} csrfToken={csrfToken} label="Cancel and sign out" />
    </article>
  );
}
