import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { type ColumnKit, defineTables } from "./tables";

/** SQLite's builders for the schema's column types. */
const sqliteColumns = {
  table: sqliteTable,
  id: (name: string) => integer(name).primaryKey({ autoIncrement: true }),
  integer: (name: string) => integer(name),
  time: (name: string) => integer(name),
  bigCount: (name: string) => integer(name),
  text,
  boolean: (name: string) => integer(name, { mode: "boolean" }),
  index,
  uniqueIndex,
};

// The kits build the same columns; only their TypeScript types differ (tables.ts).
export const {
  users,
  sessions,
  throttles,
  recoveryCodes,
  trustedBrowsers,
  webauthnCredentials,
  webauthnChallenges,
  securityEvents,
} = defineTables(sqliteColumns as unknown as ColumnKit);
