import { attributeText } from "../attribute";

export type KeyToScanProps = {
  appName: string;
  username: string;
  qrCodeDataUrl: string;
  secret: string;
  groupedKey: string;
};

const spelledOut = (groupedKey: string) =>
  groupedKey
    .split(" ")
    .map((group) => [...group].join(" "))
    .join(", ");

/** A TOTP key as a QR code and as text to type, with a copy button once JavaScript runs. */
export function KeyToScan({ appName, username, qrCodeDataUrl, secret, groupedKey }: KeyToScanProps) {
  return (
    <>
      <p>Scan this QR code with Google Authenticator, Aegis, 1Password or any other authenticator app.</p>
      <figure class="qr">
        <img
          src={qrCodeDataUrl}
          width="240"
          height="240"
          alt={attributeText(
            `QR code that adds ${appName} (${username}) to your authenticator app. The same key is written out below.`,
          )}
        />
      </figure>
      <p id="key-label">Can't scan it? Type this key into the app instead:</p>
      <p class="key-row">
        <code class="totp-key" aria-hidden="true" safe>
          {groupedKey}
        </code>
        {/* Read letter by letter, a group at a time: a screen reader would say "QZ7K" as a word. */}
        <span class="visually-hidden" safe>
          {`Key: ${spelledOut(groupedKey)}`}
        </span>
        <button type="button" class="secondary outline copy" data-copy={secret} hidden>
          Copy key
        </button>
      </p>
      <p>
        <small>Only letters A to Z and digits 2 to 7: every O is the letter, and spaces do not matter.</small>
      </p>
    </>
  );
}
