import { CREDENTIAL_NAME_MAX_LENGTH, type WebAuthnKind } from "../../auth";
import { type AuthPaths, withId } from "../../paths";
import { Field } from "../components/Field";
import { PostForm } from "../components/PostForm";
import { ProofField, passkeyProof } from "../components/ProofField";
import { Time } from "../components/Time";
import { WebAuthnForm } from "../components/WebAuthnForm";
import { Panel } from "./Panel";

export type CredentialRow = {
  id: string;
  name: string;
  kind: WebAuthnKind;
  /** Synced to the person's other devices (backed up), or able to be (backup eligible). */
  backedUp: boolean;
  backupEligible: boolean;
  addedAt: number;
  lastUsedAt: number | null;
  /** Made by the browser's password manager right after a sign-in, without a dialog. */
  addedAutomatically: boolean;
};

/** Refusals, each shown at the form it came from. */
export type CredentialErrors = {
  add?: { name?: string; otp?: string; credential?: string };
  rename?: { id: string; name: string };
  remove?: { id: string; otp: string };
};

/** What the browser's password manager is told after a change, through the WebAuthn Signal API. */
export type CredentialSignal = { rpId: string; userHandle: string; username: string; credentialIds: string[] };

type CredentialsPanelProps = {
  paths: AuthPaths;
  csrfToken: string;
  credentials: CredentialRow[];
  /** The form that adds one: an `AddCredentialForm`. */
  addForm: JSX.Element;
  errors?: Omit<CredentialErrors, "add">;
  notice?: string;
  signal?: CredentialSignal;
};

const PANEL = "passkeys";

const storage = ({ kind, backedUp, backupEligible }: CredentialRow) =>
  backedUp
    ? "Synced to your other devices"
    : backupEligible
      ? "Can be synced, not synced yet"
      : kind === "passkey"
        ? "Bound to one device"
        : "Kept on the key";

/** The passkeys and security keys of the account: each with its kind, storage and use, to rename or remove; and a way to add one. */
export function CredentialsPanel({
  paths,
  csrfToken,
  credentials,
  addForm,
  errors = {},
  notice,
  signal,
}: CredentialsPanelProps) {
  const passkeyMayProve = credentials.length > 0;
  const proof = passkeyProof(paths.proofOptions, passkeyMayProve);
  return (
    <Panel id={PANEL} title="Passkeys and security keys" notice={notice}>
      <p>
        A passkey or a security key signs you in only on this site, so a fake page cannot steal it. A passkey that
        checks your PIN, fingerprint or face also signs you in without a password.
      </p>
      {credentials.length === 0 ? (
        <p>None yet.</p>
      ) : (
        <ul class="device-list">
          {credentials.map((credential, index) => {
            const nameId = `credential-${index}`;
            const renameError = errors.rename?.id === credential.id ? errors.rename.name : undefined;
            const removeError = errors.remove?.id === credential.id ? errors.remove.otp : undefined;
            return (
              <li>
                <strong id={nameId} safe>
                  {credential.name}
                </strong>
                <mark>{credential.kind === "passkey" ? "Passkey" : "Security key"}</mark>
                <small>
                  {storage(credential)} · added {credential.addedAutomatically ? "automatically " : ""}
                  <Time at={credential.addedAt} /> ·{" "}
                  {credential.lastUsedAt ? (
                    <>
                      last used <Time at={credential.lastUsedAt} />
                    </>
                  ) : (
                    "never used yet"
                  )}
                </small>
                {/* Folded away until wanted, and open when one of its forms was refused. */}
                <details class="credential-actions" open={Boolean(renameError || removeError)}>
                  <summary aria-describedby={nameId}>Rename or remove</summary>
                  <PostForm
                    action={withId(paths.renameCredential, credential.id)}
                    csrfToken={csrfToken}
                    panel={PANEL}
                    class="credential-form"
                  >
                    <Field
                      id={`${nameId}-name`}
                      name="name"
                      label="Name"
                      value={credential.name}
                      maxlength={String(CREDENTIAL_NAME_MAX_LENGTH)}
                      required
                      error={renameError}
                    />
                    <button type="submit" class="secondary outline" aria-describedby={nameId}>
                      Rename
                    </button>
                  </PostForm>
                  <PostForm
                    action={withId(paths.removeCredential, credential.id)}
                    csrfToken={csrfToken}
                    panel={PANEL}
                    class="credential-form"
                    data={proof}
                  >
                    <ProofField id={`${nameId}-otp`} error={removeError} passkeyMayProve={passkeyMayProve} />
                    <button type="submit" class="secondary outline" aria-describedby={nameId}>
                      Remove
                    </button>
                  </PostForm>
                </details>
              </li>
            );
          })}
        </ul>
      )}
      {addForm}
      {signal ? (
        <div
          hidden
          data-webauthn-signal
          data-rp-id={signal.rpId}
          data-user-handle={signal.userHandle}
          data-username={signal.username}
          data-credential-ids={signal.credentialIds.join(",")}
        />
      ) : (
        ""
      )}
    </Panel>
  );
}

type AddCredentialFormProps = {
  paths: AuthPaths;
  csrfToken: string;
  /** One is registered already, and may prove the owner instead of a code. */
  passkeyMayProve: boolean;
  /** Until when a factor given lately stands in for a code. */
  recentUntil?: number | null;
  errors?: CredentialErrors["add"];
};

/** Adding a passkey or security key: its name, the proof, and the two kinds to choose from. */
export function AddCredentialForm({
  paths,
  csrfToken,
  passkeyMayProve,
  recentUntil,
  errors = {},
}: AddCredentialFormProps) {
  return (
    <>
      <h3>Add one</h3>
      <WebAuthnForm
        action={paths.addCredential}
        options={paths.credentialOptions}
        ceremony="register"
        csrfToken={csrfToken}
        panel={PANEL}
        error={errors.credential}
        proof={passkeyProof(paths.proofOptions, passkeyMayProve, recentUntil)["data-webauthn-proof"]}
      >
        <Field
          id="new-credential-name"
          name="name"
          label="Name"
          hint="Where it lives, such as “Work laptop” or “Blue key”. Empty: named after this browser."
          maxlength={String(CREDENTIAL_NAME_MAX_LENGTH)}
          error={errors.name}
        />
        <ProofField
          id="new-credential-otp"
          error={errors.otp}
          passkeyMayProve={passkeyMayProve}
          recentUntil={recentUntil}
        />
        <input type="hidden" name="kind" value="passkey" />
        <div class="button-row">
          <button type="button" data-webauthn-start data-kind="passkey">
            Add a passkey
          </button>
          <button type="button" class="secondary" data-webauthn-start data-kind="security_key">
            Add a security key
          </button>
        </div>
      </WebAuthnForm>
      <p data-webauthn-fallback>Adding a passkey or security key needs JavaScript and a browser that supports them.</p>
    </>
  );
}
