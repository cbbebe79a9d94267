import { type AccountOverview, type Auth, EMAIL_LINK_HOURS, type Enrollment, type Session, type User } from "../auth";
import type { AuthPaths } from "../paths";
import { AddCredentialForm, type CredentialErrors, CredentialsPanel } from "../views/account/CredentialsPanel";
import { DeleteAccountPanel } from "../views/account/DeleteAccountPanel";
import { type ListPanel, ListPanels } from "../views/account/ListPanels";
import { NoticeEmailPanel } from "../views/account/NoticeEmailPanel";
import { PasswordPanel } from "../views/account/PasswordPanel";
import { NewAuthenticatorPanel, TwoFactorPanel } from "../views/account/TwoFactorPanel";
import type { FieldErrors } from "../views/field-errors";
import { AccountPage } from "../views/pages/AccountPage";
import { keyToScan } from "./qr";
import type { PageContext, PageRenderer } from "./respond";

/** What the account page is drawn for: a signed-in visit (a request's `visit`), or one whose session just went on under a new token. */
export type AccountContext = PageContext & { session: Session; user: User; trustedBrowserToken: string | null };

/** The 2FA panel's own parts, beside its status: new codes to show, a notice, a refused form. */
type TwoFactorExtras = {
  newCodes?: string[];
  notice?: string;
  regenerateError?: string;
  resetErrors?: FieldErrors<"password" | "otp">;
};

/** The status with what an action added; a new key just made; or a refused code for the pending key. */
type TwoFactorChange = { status: TwoFactorExtras } | { newKey: Enrollment } | { resetError: string };

/**
 * What an action changed: the 2FA panel, the password panel, or one of the lists. The 2FA
 * panel is drawn from the same overview as the rest of the page, so an answer reads the
 * account once.
 */
export type Changed =
  | { twoFactor: TwoFactorChange }
  | { password: { notice?: string; errors?: FieldErrors<"current_password" | "new_password" | "confirm"> } }
  | { list: ListPanel }
  | { credentials: CredentialsChange }
  | { deletion: { errors: FieldErrors<"password" | "otp"> } }
  | { noticeEmail: { errors?: FieldErrors<"email" | "otp">; notice?: string } }
  | { nothing: true };

/** The passkeys panel after an action: a refusal, a notice, and after a rename or removal, the signal to the browser. */
type CredentialsChange = { errors?: CredentialErrors; notice?: string; signal?: boolean };

type AccountSettings = {
  auth: Auth;
  paths: AuthPaths;
  pages: PageRenderer;
  trustedBrowserDays: number;
  resetWindowMinutes: number;
  rpId: string;
  /** Email can be sent: the account page offers an address for security notices. */
  mailConfigured: boolean;
};

/**
 * The whole account page; or, after a form with htmx, the panel that form changed, with the
 * other lists swapped out of band: every action changes the log, and some end sessions.
 */
export function accountAnswers(settings: AccountSettings) {
  const { auth, paths, pages, trustedBrowserDays, resetWindowMinutes, rpId, mailConfigured } = settings;
  const { appName } = pages;

  /**
   * What decides how a form asks for proof: a passkey may give it, or a factor given lately
   * stands in until a time, which the form shows to the minute.
   */
  const proofState = (overview: AccountOverview) => ({
    passkeyMayProve: overview.credentials.length > 0,
    recentUntil: overview.recentUntil === null ? null : overview.recentUntil - (overview.recentUntil % 60_000),
  });

  /** The new key's panel: an async component, as drawing the QR code is. */
  async function NewKey({ ctx, enrollment, error }: { ctx: AccountContext; enrollment: Enrollment; error?: string }) {
    const key = await keyToScan(enrollment, appName, ctx.user.username);
    return (
      <NewAuthenticatorPanel
        paths={paths}
        csrfToken={ctx.csrfToken}
        resetWindowMinutes={resetWindowMinutes}
        error={error}
        {...key}
      />
    );
  }

  /**
   * The 2FA panel after `change`: its status with what an action added, the new key just
   * made, or as it stands (the new key to confirm while a reset is pending, else the status).
   */
  function twoFactorPanel(
    ctx: AccountContext,
    overview: AccountOverview,
    change: TwoFactorChange | null,
    outOfBand = false,
  ) {
    if (change && "newKey" in change) return <NewKey ctx={ctx} enrollment={change.newKey} />;
    const pending =
      change && "status" in change ? null : auth.account.pendingReset({ session: ctx.session, user: ctx.user });
    if (pending)
      return (
        <NewKey
          ctx={ctx}
          enrollment={pending}
          error={change && "resetError" in change ? change.resetError : undefined}
        />
      );
    const state = {
      recoveryCodesLeft: overview.recoveryCodesLeft,
      appLinked: ctx.user.totpEnabledAt !== null,
      ...proofState(overview),
      outOfBand,
    };
    if (change && "status" in change) {
      const { newCodes, ...extras } = change.status;
      return (
        <TwoFactorPanel
          paths={paths}
          csrfToken={ctx.csrfToken}
          {...state}
          {...extras}
          newCodes={newCodes && { appName, username: ctx.user.username, codes: newCodes }}
        />
      );
    }
    return pages.drawnOnce(`two-factor ${JSON.stringify(state)}`, ctx.csrfToken, (csrfToken) => (
      <TwoFactorPanel paths={paths} csrfToken={csrfToken} {...state} />
    ));
  }

  function credentialsPanel(ctx: AccountContext, overview: AccountOverview, change: CredentialsChange = {}) {
    const { user } = ctx;
    const signal =
      change.signal && user.webauthnUserId
        ? {
            rpId,
            userHandle: user.webauthnUserId,
            username: user.username,
            credentialIds: overview.credentials.map((credential) => credential.id),
          }
        : undefined;
    const { add: addErrors, ...errors } = change.errors ?? {};
    const state = proofState(overview);
    const addForm = addErrors ? (
      <AddCredentialForm paths={paths} csrfToken={ctx.csrfToken} {...state} errors={addErrors} />
    ) : (
      pages.drawnOnce(`add-credential ${JSON.stringify(state)}`, ctx.csrfToken, (csrfToken) => (
        <AddCredentialForm paths={paths} csrfToken={csrfToken} {...state} />
      ))
    );
    return (
      <CredentialsPanel
        paths={paths}
        csrfToken={ctx.csrfToken}
        addForm={addForm}
        errors={errors}
        notice={change.notice}
        signal={signal}
        credentials={overview.credentials.map((credential) => ({
          id: credential.id,
          name: credential.name,
          kind: credential.kind,
          backedUp: credential.backedUp,
          backupEligible: credential.backupEligible,
          addedAt: credential.createdAt,
          lastUsedAt: credential.lastUsedAt,
          addedAutomatically: credential.addedAutomatically,
        }))}
      />
    );
  }

  return async function accountAnswer(ctx: AccountContext, changed: Changed, status = 200) {
    const overview = await auth.account.overview(ctx, ctx.trustedBrowserToken);
    const password = "password" in changed ? changed.password : {};
    const lists = (outOfBand: (panel: ListPanel) => boolean) => (
      <ListPanels
        paths={paths}
        csrfToken={ctx.csrfToken}
        overview={overview}
        currentSessionId={ctx.session.id}
        trustedBrowserDays={trustedBrowserDays}
        outOfBand={outOfBand}
      />
    );
    const passwordPanel =
      password.notice || password.errors ? (
        <PasswordPanel paths={paths} csrfToken={ctx.csrfToken} {...password} />
      ) : (
        pages.drawnOnce("password", ctx.csrfToken, (csrfToken) => <PasswordPanel paths={paths} csrfToken={csrfToken} />)
      );
    const noticeEmailPanel = (outOfBand: boolean) =>
      mailConfigured ? (
        <NoticeEmailPanel
          paths={paths}
          csrfToken={ctx.csrfToken}
          email={ctx.user.noticeEmail}
          confirmed={ctx.user.noticeEmailConfirmedAt !== null}
          {...proofState(overview)}
          linkHours={EMAIL_LINK_HOURS}
          outOfBand={outOfBand}
          {...("noticeEmail" in changed ? changed.noticeEmail : {})}
        />
      ) : (
        ""
      );
    const deletePanel = (outOfBand: boolean) => {
      const state = { ...proofState(overview), outOfBand };
      if ("deletion" in changed)
        return (
          <DeleteAccountPanel paths={paths} csrfToken={ctx.csrfToken} {...state} errors={changed.deletion.errors} />
        );
      return pages.drawnOnce(`delete ${JSON.stringify(state)}`, ctx.csrfToken, (csrfToken) => (
        <DeleteAccountPanel paths={paths} csrfToken={csrfToken} {...state} />
      ));
    };
    if (ctx.fragment && !("nothing" in changed)) {
      // A change of passkeys changes what the 2FA panel says and asks for too.
      const form =
        "twoFactor" in changed ? (
          twoFactorPanel(ctx, overview, changed.twoFactor)
        ) : "password" in changed ? (
          passwordPanel
        ) : "credentials" in changed ? (
          <>
            {credentialsPanel(ctx, overview, changed.credentials)}
            {twoFactorPanel(ctx, overview, null, true)}
            {noticeEmailPanel(true)}
            {deletePanel(true)}
          </>
        ) : "deletion" in changed ? (
          deletePanel(false)
        ) : "noticeEmail" in changed ? (
          noticeEmailPanel(false)
        ) : (
          ""
        );
      const changedList = "list" in changed ? changed.list : null;
      return pages.answer(
        ctx,
        status,
        <>
          {form}
          {lists((panel) => panel !== changedList)}
        </>,
      );
    }
    const twoFactor = twoFactorPanel(ctx, overview, "twoFactor" in changed ? changed.twoFactor : null);
    const content = (
      <AccountPage paths={paths} username={ctx.user.username}>
        {twoFactor}
        {credentialsPanel(ctx, overview, "credentials" in changed ? changed.credentials : {})}
        {passwordPanel}
        {noticeEmailPanel(false)}
        {lists(() => false)}
        {deletePanel(false)}
      </AccountPage>
    );
    return pages.page(ctx, "Security settings", content, status);
  };
}
