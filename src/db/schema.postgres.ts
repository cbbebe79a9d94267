import { postgresColumns } from "./postgres-columns";
import { defineTables } from "./tables";

export const {
  users,
  sessions,
  throttles,
  recoveryCodes,
  trustedBrowsers,
  webauthnCredentials,
  webauthnChallenges,
  securityEvents,
} = defineTables(postgresColumns);
