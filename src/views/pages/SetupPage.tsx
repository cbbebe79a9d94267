import type { AuthPaths } from "../../paths";
import { KeyToScan, type KeyToScanProps } from "../components/KeyToScan";
import { SignOutButton } from "../components/SignOutButton";
import { SwapLink } from "../components/SwapLink";

type SetupPageProps = KeyToScanProps & { paths: AuthPaths; csrfToken: string };

/** The QR panel. It is swapped for the code form, and back, in place. */
export function SetupPage({ paths, csrfToken, ...key }: SetupPageProps) {
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
      <SignOutButton paths={paths} csrfToken={csrfToken} label="Cancel and sign out" />
    </article>
  );
}
