import { defineTables, postgresColumns } from "./tables";

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
