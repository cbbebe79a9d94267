import { join } from "node:path";
import { SQL } from "bun";
import { drizzle } from "drizzle-orm/bun-sql";
import { migrate } from "drizzle-orm/bun-sql/migrator";
import { projectFolder } from "../files";
import {
  answersWithin,
  type Database,
  type DatabaseOptions,
  drizzleHotReads,
  keptOrRolledBack,
  keptWithin,
  type Orm,
  type Prepared,
  type Written,
  withoutCredentials,
} from "./handle";
import * as tables from "./schema.postgres";

const migrationsFolder = join(projectFolder, "db/migrations/postgres");
/** Any fixed number: instances starting together take this advisory lock, so one migrates at a time. */
const MIGRATION_LOCK = 7_245_001;

/** Connects to PostgreSQL and applies the migrations not yet applied. */
export async function openPostgres(url: string, { poolSize = 10 }: DatabaseOptions): Promise<Database> {
  const client = new SQL({ url, max: poolSize, connectionTimeout: 10 });
  const orm = drizzle({ client });

  const lockHolder = await client.reserve();
  try {
    await lockHolder`SELECT pg_advisory_lock(${MIGRATION_LOCK})`;
    await migrate(drizzle({ client: lockHolder }), { migrationsFolder });
  } finally {
    await lockHolder`SELECT pg_advisory_unlock(${MIGRATION_LOCK})`.catch(() => {});
    lockHolder.release();
  }

  // Each statement runs on a connection of the pool, at once: PostgreSQL needs no batching.
  const atOnce = async <Row>(statement: Prepared<Row>, values: Record<string, unknown>) => statement.execute(values);
  return {
    orm,
    tables,
    reads: drizzleHotReads(orm as unknown as Orm, tables as Database["tables"]),
    soon: atOnce,
    readSoon: atOnce,
    atomically: (first, then, keep) =>
      keptOrRolledBack(() =>
        orm.transaction(async (transaction) => {
          const rows = await first(transaction);
          const followed: Record<string, unknown> = {};
          // One at a time, in order. Bun's client answers a statement without RETURNING with an empty array.
          for (const [name, statement] of Object.entries(then(transaction, rows))) followed[name] = await statement;
          return keptWithin({ first: rows, followed: followed as Written<ReturnType<typeof then>> }, keep);
        }),
      ),
    answers: (timeoutMs) => answersWithin(() => client`SELECT 1`, timeoutMs),
    close: () => client.close({ timeout: 5 }),
    description: withoutCredentials(url),
  };
}
