import type { Clock } from "../clock";
import type { Database } from "../db/database";
import type { User } from "../db/tables";
import { groupKey, otpauthUri } from "./factors/totp";
import { relyingPartyOf, webauthnCeremonies } from "./factors/webauthn";
import { accountFlows } from "./flows/account";
import { type Notice, noticeFlows } from "./flows/notices";
import { proofs } from "./flows/proofs";
import { signInFlows } from "./flows/sign-in";
import { type AuthPolicies, DEFAULT_POLICIES } from "./policies";
import { createStores } from "./stores";
import type { LoggedEvent } from "./stores/events";
import type { SessionLifetime } from "./stores/sessions";
import type { Enrollment } from "./types";

export { busyDatabaseCode, unreachableDatabaseCode } from "../db/database";
// The domain's public entry: the web layer imports from here, never from the files behind it.
export type {
  SecurityEventType,
  Session,
  SignInFactor,
  User,
  WebAuthnCredential,
  WebAuthnKind,
} from "../db/tables";
export { constantTimeEqual, deriveKey, keyedHmac, randomToken } from "./crypto";
export { MOST_WAITING_HASHES, Overloaded, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from "./factors/passwords";
export { RECOVERY_CODE_COUNT } from "./factors/recovery-codes";
export { UnreadableKey } from "./factors/totp-keys";
export type { NewTrustedBrowser } from "./factors/trusted-browsers";
export type { RegistrationKind } from "./factors/webauthn";
export {
  type AccountOverview,
  CREDENTIAL_NAME_MAX_LENGTH,
  type Revoked,
  type UpgradeMode,
} from "./flows/account";
export {
  EMAIL_LINK_HOURS,
  type Notice,
  type NotifiedEvent,
  REPUDIATION_DAYS,
  type Repudiation,
} from "./flows/notices";
export type { FactorProof } from "./flows/proofs";
export type { CodeAccepted, SecondFactors } from "./flows/sign-in";
export { type Failure, isFailure, REASONS, type Reason, reasonsOf } from "./outcomes";
export { type AuthPolicies, DEFAULT_POLICIES } from "./policies";
export { type SignedInSession, type SignedInUser, signedInSession, signedInUser } from "./public-views";
export { type Step, stepOf } from "./steps";
export type { EventDetail, LoggedEvent, RequestMeta } from "./stores/events";
export { confirmedWithin, type NewSession, type SessionWithUser, sessionIdOf } from "./stores/sessions";
export type { ThrottlePolicy } from "./stores/throttle";
export { USERNAME_MAX_LENGTH, USERNAME_MIN_LENGTH, USERNAME_PATTERN } from "./stores/users";
export type { Enrollment, PasswordChangeForm, RegistrationForm } from "./types";

type AuthDeps = {
  database: Database;
  clock: Clock;
  appName: string;
  appSecret: string;
  /** The public origin: WebAuthn credentials are bound to its host name. */
  appOrigin: string;
  sessionLifetime: SessionLifetime;
  policies?: AuthPolicies;
  /**
   * Told of each notified event once it is committed, never awaited by the request that made
   * it; `noticeFailed` hears of whatever goes wrong on the way.
   */
  onNotice?: (notice: Notice) => void | Promise<void>;
  noticeFailed?: (error: unknown) => void;
};

/** The auth domain: every flow the web layer offers, with no knowledge of HTTP. */
export function createAuth({
  database,
  clock,
  appName,
  appSecret,
  appOrigin,
  sessionLifetime,
  policies = DEFAULT_POLICIES,
  onNotice,
  noticeFailed = () => {},
}: AuthDeps) {
  const tell = (event: LoggedEvent) => {
    if (!onNotice) return;
    notices
      .noticeOf(event)
      .then((notice) => notice && onNotice(notice))
      .catch(noticeFailed);
  };
  const stores = createStores(database, clock, sessionLifetime, appSecret, policies.trustedBrowserDays, tell);
  const ceremonies = webauthnCeremonies(stores.webauthn, relyingPartyOf(appOrigin, appName));
  const prove = proofs(stores, policies, ceremonies);
  const notices = noticeFlows(stores, appSecret, prove);
  const describeKey = (key: string, user: User): Enrollment => ({
    uri: otpauthUri(key, appName, user.username),
    key,
    groupedKey: groupKey(key),
  });

  return {
    ...signInFlows(stores, prove, ceremonies, describeKey),
    account: accountFlows(stores, prove, ceremonies, describeKey, policies),
    notices,
  };
}

export type Auth = ReturnType<typeof createAuth>;
