import { SwapLink } from "../components/SwapLink";

type RecoveryCodesPageProps = { appName: string; username: string; codes: string[] };

/** Shown once, right after 2FA turns on: only hashes are kept, so nobody can show these again. */
export function RecoveryCodesPage({ appName, username, codes }: RecoveryCodesPageProps) {
  const text = `${appName} recovery codes for ${username}\nEach code signs you in once, in place of a code from your app.\n\n${codes.join("\n")}\n`;
  return (
    <article class="card recovery-codes">
      <hgroup>
        <h1>Two-factor sign-in is on</h1>
        <p>Save your recovery codes now. They will not be shown again.</p>
      </hgroup>
      <p>
        If you lose your phone, each of these codes signs you in once in place of a code from your app. Keep them
        somewhere safe, apart from your phone: a password manager, or on paper.
      </p>
      <ol class="code-list" aria-label="Recovery codes">
        {codes.map((code) => (
          <li>
            <code safe>{code}</code>
          </li>
        ))}
      </ol>
      <div class="code-actions">
        <a
          class="download"
          href={`data:text/plain;charset=utf-8,${encodeURIComponent(text)}`}
          download="recovery-codes.txt"
        >
          Download .txt
        </a>
        <button type="button" class="secondary outline" data-copy={codes.join("\n")} hidden>
          Copy
        </button>
        <button type="button" class="secondary outline" data-print hidden>
          Print
        </button>
      </div>
      <p>
        <SwapLink href="/" role="button">
          I've saved them: continue
        </SwapLink>
      </p>
    </article>
  );
}
