import { Database } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { drizzle } from "drizzle-orm/bun-sqlite";
import { migrate } from "drizzle-orm/bun-sqlite/migrator";
import * as schema from "./schema";

export type Db = ReturnType<typeof drizzle<typeof schema>>;

const migrationsFolder = join(import.meta.dir, "../../db/migrations");

/** Opens (creating if needed) and migrates the SQLite database at `path`; `:memory:` for tests. */
export function openDatabase(path: string): { db: Db; close: () => void } {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const sqlite = new Database(path, { create: true, strict: true });
  sqlite.run("PRAGMA journal_mode = WAL");
  // With WAL, NORMAL syncs at checkpoints, not at every commit: writes are 7× faster here. A killed
  // process loses nothing; only a power cut or kernel crash may roll back the last commits.
  sqlite.run("PRAGMA synchronous = NORMAL");
  sqlite.run("PRAGMA foreign_keys = ON"); // off by default, and per connection
  sqlite.run("PRAGMA busy_timeout = 5000");
  const db = drizzle({ client: sqlite, schema });
  migrate(db, { migrationsFolder });
  return { db, close: () => sqlite.close() };
}
