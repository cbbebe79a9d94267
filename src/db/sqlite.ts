import { Database as SqliteClient } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { drizzle } from "drizzle-orm/bun-sqlite";
import { migrate } from "drizzle-orm/bun-sqlite/migrator";
import { answersWithin, type Database, type Orm } from "./database";
import * as tables from "./schema.sqlite";

const migrationsFolder = join(import.meta.dir, "../../db/migrations/sqlite");

/** Opens (creating if needed) and migrates the SQLite database at `path`; `:memory:` for tests. */
export function openSqlite(path: string): Database {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const client = new SqliteClient(path, { create: true, strict: true });
  client.run("PRAGMA journal_mode = WAL");
  // With WAL, NORMAL syncs at checkpoints, not at every commit: writes are 7× faster here. A killed
  // process loses nothing; only a power cut or kernel crash may roll back the last commits.
  client.run("PRAGMA synchronous = NORMAL");
  client.run("PRAGMA foreign_keys = ON"); // off by default, and per connection
  client.run("PRAGMA busy_timeout = 5000");
  const sqlite = drizzle({ client });
  migrate(sqlite, { migrationsFolder });

  return {
    dialect: "sqlite",
    // Drizzle's SQLite builders run every statement the PostgreSQL type offers, awaited (database.ts).
    orm: sqlite as unknown as Orm,
    tables: tables as Database["tables"],
    async atomically(build) {
      // bun:sqlite runs statements synchronously, so the whole transaction runs in one go:
      // no other request's statement can slip into it between two awaits.
      sqlite.transaction((transaction) => {
        for (const statement of build(transaction as unknown as Orm)) (statement as unknown as { run(): void }).run();
      });
    },
    answers: (timeoutMs) => answersWithin(async () => client.query("SELECT 1").get(), timeoutMs),
    async close() {
      client.close();
    },
    description: path,
  };
}
