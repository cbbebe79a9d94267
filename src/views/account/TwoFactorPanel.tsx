import { RECOVERY_CODE_COUNT } from "../../auth";
import type { AuthPaths } from "../../paths";
import { plural } from "../../words";
import { CodeField } from "../components/CodeField";
import { KeyToScan, type KeyToScanProps } from "../components/KeyToScan";
import { PostForm } from "../components/PostForm";
import { PasswordAndProofFields, ProofField, passkeyProof } from "../components/ProofField";
import { RecoveryCodeList, type RecoveryCodeListProps } from "../components/RecoveryCodeList";
import { Panel } from "./Panel";

type TwoFactorPanelProps = {
  paths: AuthPaths;
  csrfToken: string;
  recoveryCodesLeft: number;
  /** An authenticator app is linked; without one, the panel offers to link one. */
  appLinked: boolean;
  /** A passkey or security key is registered, and may prove the owner instead of a code. */
  passkeyMayProve: boolean;
  /** Until when a factor given lately stands in for a code here. */
  recentUntil?: number | null;
  /** New recovery codes, shown this once, with whose they are. */
  newCodes?: RecoveryCodeListProps;
  notice?: string;
  regenerateError?: string;
  resetErrors?: { password?: string; otp?: string };
  /** Sent beside another panel's answer, for htmx to swap in by id. */
  outOfBand?: boolean;
};

const PANEL = "two-factor";

/** 2FA status, new recovery codes, and the start of replacing the authenticator app. */
export function TwoFactorPanel(props: TwoFactorPanelProps) {
  const { paths, csrfToken, recoveryCodesLeft, newCodes, notice, regenerateError, resetErrors = {} } = props;
  const { appLinked, passkeyMayProve, recentUntil, outOfBand } = props;
  const proof = passkeyProof(paths.proofOptions, passkeyMayProve, recentUntil);
  return (
    <Panel id={PANEL} title="Two-factor sign-in" notice={notice} outOfBand={outOfBand}>
      <p
        safe
      >{`On${appLinked ? ", with an authenticator app" : ", with passkeys or security keys only"}. ${plural(recoveryCodesLeft, "recovery code")} left.`}</p>
      {newCodes ? (
        <div class="recovery-codes">
          <p role="status">
            <strong>Your new recovery codes. Save them now: they will not be shown again.</strong> Your old codes no
            longer work.
          </p>
          <RecoveryCodeList {...newCodes} />
        </div>
      ) : (
        ""
      )}

      <h3>New recovery codes</h3>
      <p>{`Makes ${RECOVERY_CODE_COUNT} new codes. Every code you have now stops working.`}</p>
      <PostForm action={paths.recoveryCodes} csrfToken={csrfToken} panel={PANEL} data={proof}>
        <ProofField
          id="regenerate-otp"
          error={regenerateError}
          passkeyMayProve={passkeyMayProve}
          recentUntil={recentUntil}
        />
        <button type="submit" class="secondary">
          Make new recovery codes
        </button>
      </PostForm>

      <h3 id="reset-authenticator">{appLinked ? "Replace your authenticator app" : "Link an authenticator app"}</h3>
      <p>
        {appLinked
          ? "For a new phone, or a lost one. Your current app keeps working until you confirm a code from the new one."
          : "A second way in beside your passkeys and security keys: codes from an app on your phone."}
      </p>
      <PostForm action={paths.resetTwoFactor} csrfToken={csrfToken} panel={PANEL} data={proof}>
        <PasswordAndProofFields
          idPrefix="reset"
          errors={resetErrors}
          passkeyMayProve={passkeyMayProve}
          recentUntil={recentUntil}
        />
        <button type="submit" class="secondary">
          {appLinked ? "Set up a new app" : "Link an app"}
        </button>
      </PostForm>
    </Panel>
  );
}

type NewAuthenticatorPanelProps = KeyToScanProps & {
  paths: AuthPaths;
  csrfToken: string;
  /** How long the new key waits for its code. */
  resetWindowMinutes: number;
  error?: string;
};

/** The new key to scan, and the code that confirms it. It takes the place of the 2FA panel. */
export function NewAuthenticatorPanel({
  paths,
  csrfToken,
  resetWindowMinutes,
  error,
  ...key
}: NewAuthenticatorPanelProps) {
  return (
    <Panel id={PANEL} title="Link your new authenticator app">
      <p
        safe
      >{`Your current app keeps working until you confirm a code from the new one. Finish within ${plural(resetWindowMinutes, "minute")}.`}</p>
      <KeyToScan {...key} />
      <PostForm action={paths.confirmReset} csrfToken={csrfToken} panel={PANEL}>
        <CodeField id="confirm-otp" label="6-digit code from the new app" error={error} />
        <button type="submit">Confirm the new app</button>
      </PostForm>
      <PostForm action={paths.cancelReset} csrfToken={csrfToken} panel={PANEL}>
        <button type="submit" class="secondary outline">
          Cancel and keep the current app
        </button>
      </PostForm>
    </Panel>
  );
}
