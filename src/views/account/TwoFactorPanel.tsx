import { PASSWORD_MAX_LENGTH, RECOVERY_CODE_COUNT } from "../../auth";
import type { AuthPaths } from "../../paths";
import { plural } from "../../words";
import { CodeField } from "../components/CodeField";
import { Field, firstInError } from "../components/Field";
import { KeyToScan, type KeyToScanProps } from "../components/KeyToScan";
import { PostForm } from "../components/PostForm";
import { RecoveryCodeList } from "../components/RecoveryCodeList";
import { Panel } from "./Panel";

type TwoFactorPanelProps = {
  paths: AuthPaths;
  csrfToken: string;
  appName: string;
  username: string;
  recoveryCodesLeft: number;
  /** New recovery codes, shown this once. */
  newCodes?: string[];
  notice?: string;
  regenerateError?: string;
  resetErrors?: { password?: string; otp?: string };
};

const PANEL = "two-factor";

/** Proof of the second factor for a sensitive action: a code from the app, or a recovery code. */
function ProofCodeField({ id, error, autofocus }: { id: string; error?: string; autofocus?: boolean }) {
  return (
    <Field
      id={id}
      name="otp"
      label="Code"
      hint="The code your authenticator app shows now, or one of your recovery codes."
      error={error}
      autocomplete="one-time-code"
      autocapitalize="none"
      spellcheck="false"
      maxlength="13"
      required
      autofocus={autofocus}
    />
  );
}

/** 2FA status, new recovery codes, and the start of replacing the authenticator app. */
export function TwoFactorPanel(props: TwoFactorPanelProps) {
  const { paths, csrfToken, recoveryCodesLeft, newCodes, notice, regenerateError, resetErrors = {} } = props;
  const resetFocus = firstInError(["password", "otp"], resetErrors);
  return (
    <Panel id={PANEL} title="Two-factor sign-in" notice={notice}>
      <p safe>{`On. ${plural(recoveryCodesLeft, "recovery code")} left.`}</p>
      {newCodes ? (
        <div class="recovery-codes">
          <p role="status">
            <strong>Your new recovery codes. Save them now: they will not be shown again.</strong> Your old codes no
            longer work.
          </p>
          <RecoveryCodeList appName={props.appName} username={props.username} codes={newCodes} />
        </div>
      ) : (
        ""
      )}

      <h3>New recovery codes</h3>
      <p>{`Makes ${RECOVERY_CODE_COUNT} new codes. Every code you have now stops working.`}</p>
      <PostForm action={paths.recoveryCodes} csrfToken={csrfToken} panel={PANEL}>
        <ProofCodeField id="regenerate-otp" error={regenerateError} />
        <button type="submit" class="secondary">
          Make new recovery codes
        </button>
      </PostForm>

      <h3 id="reset-authenticator">Replace your authenticator app</h3>
      <p>For a new phone, or a lost one. Your current app keeps working until you confirm a code from the new one.</p>
      <PostForm action={paths.resetTwoFactor} csrfToken={csrfToken} panel={PANEL}>
        <Field
          id="reset-password"
          name="password"
          label="Your password"
          type="password"
          autocomplete="current-password"
          maxlength={String(PASSWORD_MAX_LENGTH)}
          required
          error={resetErrors.password}
          autofocus={resetFocus === "password"}
        />
        <ProofCodeField id="reset-otp" error={resetErrors.otp} autofocus={resetFocus === "otp"} />
        <button type="submit" class="secondary">
          Set up a new app
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
