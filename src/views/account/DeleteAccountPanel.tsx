import type { AuthPaths } from "../../paths";
import { PostForm } from "../components/PostForm";
import { PasswordAndProofFields, passkeyProof } from "../components/ProofField";
import type { FieldErrors } from "../field-errors";
import { Panel } from "./Panel";

type DeleteAccountPanelProps = {
  paths: AuthPaths;
  csrfToken: string;
  /** A passkey or security key is registered, and may prove the owner instead of a code. */
  passkeyMayProve: boolean;
  /** Until when a factor given lately stands in for a code here. */
  recentUntil?: number | null;
  errors?: FieldErrors<"password" | "otp">;
  /** Sent beside another panel's answer, for htmx to swap in by id. */
  outOfBand?: boolean;
};

const PANEL = "delete-account";

/** The end of the account: what goes, and the proofs it takes. */
export function DeleteAccountPanel(props: DeleteAccountPanelProps) {
  const { paths, csrfToken, passkeyMayProve, recentUntil, errors = {}, outOfBand } = props;
  const proof = passkeyProof(paths.proofOptions, passkeyMayProve, recentUntil);
  return (
    <Panel id={PANEL} title="Delete your account" outOfBand={outOfBand}>
      <p>
        Deletes your account and everything of it here: your sessions, passkeys and security keys, recovery codes,
        trusted browsers and security log. It cannot be undone. Download your security log first if you want to keep it.
      </p>
      <PostForm action={paths.deleteAccount} csrfToken={csrfToken} panel={PANEL} data={proof}>
        <PasswordAndProofFields
          idPrefix="delete"
          errors={errors}
          passkeyMayProve={passkeyMayProve}
          recentUntil={recentUntil}
        />
        <button type="submit" class="danger">
          Delete my account
        </button>
      </PostForm>
    </Panel>
  );
}
