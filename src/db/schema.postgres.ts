import { defineTables, postgresColumns } from "./tables";

export const { users, sessions, throttles, recoveryCodes, trustedBrowsers, securityEvents } =
  defineTables(postgresColumns);
