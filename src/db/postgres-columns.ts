import { bigint, boolean, index, integer, pgTable, text, uniqueIndex } from "drizzle-orm/pg-core";

/**
 * The column types the schema (tables.ts) is made of, as PostgreSQL builds them. SQLite builds
 * the same columns under the same names (schema.sqlite.ts), so the schema is written once for
 * both. PostgreSQL's builders also give the domain its types: its API is the one both dialects
 * run. A file of its own, so that a server on SQLite never loads PostgreSQL's builders.
 */
export const postgresColumns = {
  table: pgTable,
  /** A row id the database numbers. */
  id: (name: string) => integer(name).primaryKey().generatedByDefaultAsIdentity(),
  integer: (name: string) => integer(name),
  /** Milliseconds since the epoch: plain numbers that SQL can compare and add to. */
  time: (name: string) => bigint(name, { mode: "number" }),
  /** A count that may pass 2^31, such as a WebAuthn signature counter (an unsigned 32-bit number). */
  bigCount: (name: string) => bigint(name, { mode: "number" }),
  text,
  boolean: (name: string) => boolean(name),
  index,
  uniqueIndex,
};
