import type { AuthPaths } from "../../paths";
import { RecoveryCodeList } from "../components/RecoveryCodeList";

type RecoveryCodesPageProps = { paths: AuthPaths; appName: string; username: string; codes: string[] };

/** Shown once, right after 2FA turns on: only hashes are kept, so nobody can show these again. */
export function RecoveryCodesPage({ paths, appName, username, codes }: RecoveryCodesPageProps) {
  return (
    <article class="card recovery-codes">
      <hgroup>
        <h1>Two-factor sign-in is on</h1>
        <p>Save your recovery codes now. They will not be shown again.</p>
      </hgroup>
      <p>
        If you lose your phone or your key, each of these codes signs you in once in its place. Keep them somewhere
        safe, apart from your phone: a password manager, or on paper.
      </p>
      <RecoveryCodeList appName={appName} username={username} codes={codes} />
      <p>
        {/* The host's page, a whole document: reached by a full navigation, never swapped into #main. */}
        <a href={paths.home} class="button">
          I've saved them: continue
        </a>
      </p>
    </article>
  );
}
