import { Database as SqliteClient } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { getTableColumns, getTableName, type Table } from "drizzle-orm";
import { drizzle } from "drizzle-orm/bun-sqlite";
import { migrate } from "drizzle-orm/bun-sqlite/migrator";
import { projectFolder } from "../files";
import {
  answersWithin,
  type Database,
  type HotReads,
  keptOrRolledBack,
  keptWithin,
  type Orm,
  type Prepared,
  type Written,
} from "./handle";
import * as tables from "./schema.sqlite";
import type { Session, User } from "./tables";

const migrationsFolder = join(projectFolder, "db/migrations/sqlite");

/**
 * Instances starting together on a new file may both try to switch it to WAL and migrate it.
 * The migrator rolls a failed attempt back, and once the other instance has committed, a retry
 * finds nothing to do. A transaction that finds the other one writing is refused at once
 * (SQLite does not wait there, to avoid a deadlock), so each retry waits a little longer
 * first: about 5 s in all, however long the other instance's migrations take.
 */
function alongsideOthers(step: () => void, attempts = 10) {
  for (let attempt = 1; ; attempt++) {
    try {
      return step();
    } catch (error) {
      if (attempt >= attempts) throw error;
      Bun.sleepSync(100 * attempt);
    }
  }
}

/**
 * One row of `table` by `where`, as a bun:sqlite statement of its own that names each column
 * as Drizzle's key for it, so the row comes back in the shape Drizzle gives, without its
 * mapping. The columns are read from the schema, so a new one is never left out.
 */
function rowReader<Row>(client: SqliteClient, table: Table, where: string) {
  const columns = Object.entries(getTableColumns(table));
  const select = columns.map(([key, column]) => `"${column.name}" AS "${key}"`).join(", ");
  const booleans = columns.filter(([, column]) => column.columnType === "SQLiteBoolean").map(([key]) => key);
  const statement = client.prepare(`SELECT ${select} FROM "${getTableName(table)}" WHERE ${where}`);
  return (...params: (string | number)[]): Row | null => {
    const row = statement.get(...params) as Record<string, unknown> | null;
    if (!row) return null;
    for (const key of booleans) row[key] = row[key] === 1;
    return row as Row;
  };
}

function sqliteHotReads(client: SqliteClient, readSoon: ReturnType<typeof groupRead>): HotReads {
  const sessionById = rowReader<Session>(client, tables.sessions, `"id" = ? AND "expires_at" > ?`);
  const userById = rowReader<User>(client, tables.users, `"id" = ?`);
  return {
    // Two lookups by primary key, which bun:sqlite answers faster than their join.
    liveSession: (id, now) =>
      readSoon(() => {
        const session = sessionById(id, now);
        const user = session ? userById(session.userId) : null;
        return session && user ? { session, user } : null;
      }),
  };
}

/** How one job of a batch went. */
type Outcome = { value: unknown } | { error: unknown };

/**
 * Jobs that requests hand over while the event loop is busy, done together on its next turn by
 * `doAll`, which says how each went; when `doAll` itself throws, every job fails with it.
 */
function nextTurnBatches(doAll: (jobs: (() => unknown)[]) => Outcome[]) {
  type Waiting = { job: () => unknown; resolve(value: unknown): void; reject(error: unknown): void };
  let waiting: Waiting[] = [];

  function doWaiting() {
    const batch = waiting;
    waiting = [];
    let outcomes: Outcome[];
    try {
      outcomes = doAll(batch.map(({ job }) => job));
    } catch (error) {
      for (const { reject } of batch) reject(error);
      return;
    }
    batch.forEach(({ resolve, reject }, index) => {
      const outcome = outcomes[index] as Outcome;
      if ("error" in outcome) reject(outcome.error);
      else resolve(outcome.value);
    });
  }

  return <Value>(job: () => Value) =>
    new Promise<Value>((resolve, reject) => {
      if (waiting.length === 0) setImmediate(doWaiting);
      waiting.push({ job, resolve: resolve as (value: unknown) => void, reject });
    });
}

/** A job's value, or what it threw. */
function outcomeOf(job: () => unknown): Outcome {
  try {
    return { value: job() };
  } catch (error) {
    return { error };
  }
}

/**
 * Group read: the reads requests make while the event loop is busy run on its next turn in one
 * read transaction, so the WAL's read lock (system calls, each time) is taken once for them all.
 * Each read sees what was committed when its batch began, as it would have alone a moment before.
 */
function groupRead(client: SqliteClient) {
  return nextTurnBatches(client.transaction((jobs: (() => unknown)[]) => jobs.map(outcomeOf)));
}

/**
 * Group commit: the writes requests make while the event loop is busy commit on its next turn
 * in one transaction, each in a savepoint of its own so that one that fails fails alone: the
 * file locks and the WAL pages are taken and written once for them all.
 */
function groupCommit(client: SqliteClient) {
  return nextTurnBatches((writes) => {
    try {
      client.run("BEGIN IMMEDIATE");
      const outcomes = writes.map((write) => {
        client.run("SAVEPOINT one_write");
        const outcome = outcomeOf(write);
        if ("error" in outcome) client.run("ROLLBACK TO one_write");
        client.run("RELEASE one_write");
        return outcome;
      });
      client.run("COMMIT");
      return outcomes;
    } catch (error) {
      // The transaction could not start or commit: nothing of it was written, and every
      // writer hears why. A rollback that fails as well (the database has closed) adds nothing.
      try {
        if (client.inTransaction) client.run("ROLLBACK");
      } catch {}
      throw error;
    }
  });
}

/** The rows of a Drizzle statement prepared on SQLite, which runs synchronously, as a batch's transaction needs. */
const allRows = <Row>(statement: Prepared<Row>, values: Record<string, unknown>) =>
  (statement as unknown as { all(values: Record<string, unknown>): Row[] }).all(values);

/** Opens (creating if needed) and migrates the SQLite database at `path`; `:memory:` for tests. */
export function openSqlite(path: string): Database {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const client = new SqliteClient(path, { create: true, strict: true });
  // First: switching to WAL waits for any other process opening the same new file.
  client.run("PRAGMA busy_timeout = 5000");
  alongsideOthers(() => client.run("PRAGMA journal_mode = WAL"));
  // With WAL, NORMAL syncs at checkpoints, not at every commit. A killed process loses nothing;
  // only a power cut or kernel crash may roll back the last commits.
  client.run("PRAGMA synchronous = NORMAL");
  client.run("PRAGMA foreign_keys = ON"); // off by default, and per connection
  const sqlite = drizzle({ client });
  alongsideOthers(() => migrate(sqlite, { migrationsFolder }));
  const committedSoon = groupCommit(client);
  const readTogether = groupRead(client);

  return {
    // Drizzle's SQLite builders run every statement the PostgreSQL type offers, awaited (database.ts).
    orm: sqlite as unknown as Orm,
    tables: tables as Database["tables"],
    reads: sqliteHotReads(client, readTogether),
    soon: <Row>(statement: Prepared<Row>, values: Record<string, unknown>) =>
      committedSoon(() => allRows(statement, values)),
    readSoon: <Row>(statement: Prepared<Row>, values: Record<string, unknown>) =>
      readTogether(() => allRows(statement, values)),
    async atomically(first, then, keep) {
      // bun:sqlite runs statements synchronously, so the whole transaction runs in one go:
      // no other request's statement can slip into it between two awaits.
      return keptOrRolledBack(() =>
        sqlite.transaction((transaction) => {
          const orm = transaction as unknown as Orm;
          const rows = (first(orm) as unknown as { all(): Awaited<ReturnType<typeof first>> }).all();
          const followed = Object.fromEntries(
            Object.entries(then(orm, rows)).map(([name, statement]) => [
              name,
              (statement as unknown as { all(): unknown[] }).all(),
            ]),
          );
          return keptWithin({ first: rows, followed: followed as Written<ReturnType<typeof then>> }, keep);
        }),
      );
    },
    answers: (timeoutMs) => answersWithin(async () => client.query("SELECT 1").get(), timeoutMs),
    async close() {
      client.close();
    },
    description: path,
  };
}
