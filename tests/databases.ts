// Where the suite's databases come from: SQLite by default; PostgreSQL when TEST_DATABASE_URL
// names a server (scripts/throwaway-postgres.sh makes one), with a fresh database per use.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SQL } from "bun";
import { type Database, openDatabase } from "../src/db/database";

const server = process.env.TEST_DATABASE_URL;
export const backend = server ? "postgres" : "sqlite";

/** A URL for a database of its own, and how to throw it away. */
export type DatabaseUrl = { url: string; drop: () => Promise<void> };

let admin: SQL | undefined;
/** One connection to the server's own database, to create and drop the others. */
const adminConnection = (serverUrl: string) => {
  admin ??= new SQL({ url: serverUrl, max: 1 });
  return admin;
};
let template: Promise<string> | undefined;
let made = 0;

/** One migrated database per process, copied for each use: a copy takes a fraction of a migration. */
function migratedTemplate(serverUrl: string): Promise<string> {
  template ??= (async () => {
    const name = "test_template"; // remade by each run; the only database a run leaves behind
    await adminConnection(serverUrl).unsafe(`DROP DATABASE IF EXISTS ${name}`);
    await adminConnection(serverUrl).unsafe(`CREATE DATABASE ${name}`);
    const database = await openDatabase(urlOf(serverUrl, name), { poolSize: 1 });
    await database.close();
    return name;
  })();
  return template;
}

const urlOf = (serverUrl: string, name: string) => {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
};

/**
 * A new database that several processes can open: a file path, or a PostgreSQL database.
 * Empty, so the first to open it migrates it, unless `migrated`, which is quicker.
 */
export async function freshDatabaseUrl({ migrated = false } = {}): Promise<DatabaseUrl> {
  if (!server) {
    const dir = mkdtempSync(join(tmpdir(), "bun-2fa-test-"));
    return { url: join(dir, "app.sqlite"), drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const name = `test_${process.pid}_${++made}`;
  const copy = migrated ? ` TEMPLATE ${await migratedTemplate(server)}` : "";
  await adminConnection(server).unsafe(`CREATE DATABASE ${name}${copy}`);
  return {
    url: urlOf(server, name),
    drop: async () => {
      await adminConnection(server).unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

/** An open database for one test app: in-memory SQLite, or a fresh PostgreSQL database. `close` also drops it. */
export async function testDatabase(): Promise<{ database: Database; close: () => Promise<void> }> {
  if (!server) {
    const database = await openDatabase(":memory:");
    return { database, close: () => database.close() };
  }
  const fresh = await freshDatabaseUrl({ migrated: true });
  const database = await openDatabase(fresh.url, { poolSize: 4 });
  return {
    database,
    close: async () => {
      await database.close();
      await fresh.drop();
    },
  };
}
