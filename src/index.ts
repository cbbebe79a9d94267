// The public entry: what a host app imports to mount the auth. See README, "Add it to your Elysia app".
export {
  type AuthPolicies,
  DEFAULT_POLICIES,
  type SignedInSession,
  type SignedInUser,
  type ThrottlePolicy,
} from "./auth";
export { type Clock, systemClock } from "./clock";
export { type Database, isPostgresUrl, openDatabase, withoutCredentials } from "./db/database";
export type { AuthPaths } from "./paths";
export { SignOutButton } from "./views/components/SignOutButton";
export { errorPages } from "./web/errors";
export { HttpError } from "./web/http-error";
export type { Mailer, MailMessage } from "./web/mail";
export type { SecurityNotice } from "./web/notices";
export {
  batchedLines,
  healthCheck,
  keepServingThroughUncaughtErrors,
  type RequestLogEntry,
  type RequestsInFlight,
  requestLog,
  requestsInFlight,
} from "./web/operations";
export { ConfigError, checkedOrigin, checkedSecret } from "./web/options";
export { type TwoFactorAuthOptions, twoFactorAuth } from "./web/plugin";
export type { PageContext, PageLayout } from "./web/respond";
export { securityHeaders } from "./web/security";
