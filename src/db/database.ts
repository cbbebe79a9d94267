import type { Database, DatabaseOptions } from "./handle";
import { isPostgresUrl } from "./handle";

export {
  busyDatabaseCode,
  type Claim,
  type Database,
  type DatabaseOptions,
  deleteOwnedRow,
  isPostgresUrl,
  type Orm,
  type Statements,
  unreachableDatabaseCode,
  type Written,
  withoutCredentials,
  writeWithClaim,
} from "./handle";

/** Opens the database `url` names, creating and migrating it as needed. */
export async function openDatabase(url: string, options: DatabaseOptions = {}): Promise<Database> {
  // Each dialect is loaded only when used, so the SQLite default never loads the PostgreSQL client.
  if (isPostgresUrl(url)) return (await import("./postgres")).openPostgres(url, options);
  return (await import("./sqlite")).openSqlite(url);
}
