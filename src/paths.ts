import type { Step } from "./auth/steps";

/**
 * Where each page and form of the auth lives, built once from the mount prefix. Routes are
 * registered at these paths and pages link to them, so no path is typed twice.
 */
export function authPaths(prefix: string, home: string) {
  const at = (path: string) => `${prefix}${path}`;
  const account = at("/account");
  return {
    /** Where a fully signed-in person lands: the host's page, `/` by default. */
    home,
    register: at("/register"),
    login: at("/login"),
    setup: at("/setup-2fa"),
    verify: at("/verify-2fa"),
    // WebAuthn: each ceremony's options are fetched by the script, and its answer posted as a form.
    setupWebAuthnOptions: at("/setup-2fa/webauthn/options"),
    setupWebAuthn: at("/setup-2fa/webauthn"),
    verifyWebAuthnOptions: at("/verify-2fa/webauthn/options"),
    verifyWebAuthn: at("/verify-2fa/webauthn"),
    passkeyOptions: at("/login/passkey/options"),
    passkeySignIn: at("/login/passkey"),
    logout: at("/logout"),
    /** Where a signed-in session goes while its account needs a new password. */
    newPassword: at("/new-password"),
    /** Where a security notice's "This wasn't me" link leads. */
    repudiate: at("/not-me/:token"),
    /** Where a route that wants a recent second factor sends a session that gave none lately. */
    confirm: at("/confirm"),
    account,
    recoveryCodes: `${account}/recovery-codes`,
    resetTwoFactor: `${account}/reset-2fa`,
    confirmReset: `${account}/reset-2fa/confirm`,
    cancelReset: `${account}/reset-2fa/cancel`,
    password: `${account}/password`,
    revokeOtherSessions: `${account}/sessions/revoke-others`,
    revokeSession: `${account}/sessions/:id/revoke`,
    revokeAllTrustedBrowsers: `${account}/trusted-browsers/revoke-all`,
    revokeTrustedBrowser: `${account}/trusted-browsers/:id/revoke`,
    credentialOptions: `${account}/credentials/options`,
    proofOptions: `${account}/credentials/proof-options`,
    addCredential: `${account}/credentials`,
    renameCredential: `${account}/credentials/:id/rename`,
    removeCredential: `${account}/credentials/:id/remove`,
    passkeyOfferOptions: `${account}/passkey-offer/options`,
    passkeyOffer: `${account}/passkey-offer`,
    passkeyOfferLater: `${account}/passkey-offer/later`,
    passkeyOfferNever: `${account}/passkey-offer/never`,
    noticeEmail: `${account}/notice-email`,
    removeNoticeEmail: `${account}/notice-email/remove`,
    /** Where the link that confirms an address for notices leads: opened from the mail, signed in or not. */
    confirmNoticeEmail: at("/confirm-email/:token"),
    securityLog: `${account}/security-log.json`,
    deleteAccount: `${account}/delete`,
  };
}

export type AuthPaths = ReturnType<typeof authPaths>;

/** A path with an `:id` in it, for one row. */
export const withId = (pattern: string, id: string) => pattern.replace(":id", encodeURIComponent(id));
/** A path with a `:token` in it, for one link. */
export const withToken = (pattern: string, token: string) => pattern.replace(":token", encodeURIComponent(token));

/** The page of each step a session can be at. */
export function pathOfStep(paths: AuthPaths, step: Step): string {
  switch (step) {
    case "signed_out":
      return paths.login;
    case "enrolling":
      return paths.setup;
    case "verifying":
      return paths.verify;
    case "choosing_password":
      return paths.newPassword;
    case "signed_in":
      return paths.home;
  }
}
