import { CODE_POLICY, PASSWORD_POLICY, type ThrottlePolicy } from "./stores/throttle";

/** The rules a host may tune; each defaults to the value the security model describes. */
export type AuthPolicies = {
  /** Wrong codes and recovery codes, per account: 5 tries, then 1 minute, doubling up to 30 days. */
  codeLockout: ThrottlePolicy;
  /** Wrong passwords, per username typed: 5 tries, then 1 minute, doubling up to 1 hour. */
  passwordLockout: ThrottlePolicy;
  /** How long "don't ask again on this browser" lasts. */
  trustedBrowserDays: number;
  /** How long a started authenticator replacement waits for its confirming code. */
  resetWindowMinutes: number;
  /**
   * How long a second factor given in a session stands in for another on the auth's own
   * sensitive actions (new recovery codes, a new app, a new key, deleting the account).
   */
  confirmationWindowMinutes: number;
};

export const DEFAULT_POLICIES: AuthPolicies = {
  codeLockout: CODE_POLICY,
  passwordLockout: PASSWORD_POLICY,
  trustedBrowserDays: 30,
  resetWindowMinutes: 10,
  confirmationWindowMinutes: 5,
};
