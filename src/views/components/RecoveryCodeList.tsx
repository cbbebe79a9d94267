export type RecoveryCodeListProps = { appName: string; username: string; codes: string[] };

/** Recovery codes shown the one time they exist in plain text, with ways to keep them. */
export function RecoveryCodeList({ appName, username, codes }: RecoveryCodeListProps) {
  const text = `${appName} recovery codes for ${username}\nEach code signs you in once, in place of a code from your app.\n\n${codes.join("\n")}\n`;
  return (
    <>
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
    </>
  );
}
