import { and, eq, gt, sql } from "drizzle-orm";
import type { BunSQLQueryResultHKT } from "drizzle-orm/bun-sql";
import type { PgColumn, PgDatabase, PgTable } from "drizzle-orm/pg-core";
import type { Session, Tables, User } from "./tables";

// The Database handle the domain is given, and what both dialects share.

/**
 * Drizzle, typed as PostgreSQL's API, which is the one both dialects run: every statement is
 * awaited, and a write reports what it changed through `.returning()`. SQLite's synchronous
 * extras (`.get()`, `.run()`) are not in the type, so domain code cannot lean on them.
 */
export type Orm = PgDatabase<BunSQLQueryResultHKT>;

/** A statement made by Drizzle's `.prepare()`. */
export type Prepared<Row> = { execute(values: Record<string, unknown>): PromiseLike<Row[]> };

/** Statements to run in a transaction, by name. */
export type Statements = Record<string, PromiseLike<unknown>>;
/** The rows each named statement returned. */
export type Written<Then extends Statements> = {
  [Name in keyof Then]: Awaited<Then[Name]> extends readonly (infer Row)[] ? Row[] : never[];
};

/** What a transaction's statements returned: `first`'s rows, and each named statement's. */
export type Transacted<Row, Then extends Statements> = { first: Row[]; followed: Written<Then> };

/** Thrown inside a transaction to roll it back when `keep` says no; never seen outside `atomically`. */
export class RolledBack<Result> extends Error {
  constructor(readonly written: Result) {
    super("rolled back");
  }
}

/** What a transaction wrote, to return from inside it; thrown as RolledBack, which rolls it back, when `keep` says no. */
export function keptWithin<Result>(written: Result, keep?: (written: Result) => boolean): Result {
  if (keep && !keep(written)) throw new RolledBack(written);
  return written;
}

/** Runs a transaction that may roll itself back by throwing RolledBack: `kept` says which it did. */
export async function keptOrRolledBack<Result>(transaction: () => Result | Promise<Result>) {
  try {
    return { ...(await transaction()), kept: true };
  } catch (error) {
    if (error instanceof RolledBack) return { ...(error.written as Result), kept: false };
    throw error;
  }
}

/**
 * A write that must stand or fall with another row's change: the pending session a second
 * factor ends, say. Returns the rows it changed; none means it lost, and the write with it.
 */
export type Claim = (transaction: Orm) => PromiseLike<readonly unknown[]>;

/**
 * `write`, and when given, `claim` in the same transaction, which stands only if both changed a
 * row: "unclaimed" when the write did and the claim did not (so nothing was written), else
 * whether the write changed a row. Without a claim, the write alone, outside a transaction.
 */
export async function writeWithClaim(
  database: Pick<Database, "orm" | "atomically">,
  write: (on: Orm) => PromiseLike<readonly unknown[]>,
  claim?: Claim,
): Promise<boolean | "unclaimed"> {
  if (!claim) return (await write(database.orm)).length > 0;
  const { first, followed } = await database.atomically(
    (transaction) => write(transaction) as PromiseLike<unknown[]>,
    (transaction) => ({ claimed: claim(transaction) }),
    ({ first, followed }) => first.length > 0 && followed.claimed.length > 0,
  );
  if (first.length === 0) return false;
  return followed.claimed.length > 0 ? true : "unclaimed";
}

/**
 * The reads behind every request with a session cookie, by primary key. Each dialect answers
 * them its fastest way: SQLite with bun:sqlite statements of its own, which skip Drizzle's result
 * mapping; PostgreSQL with Drizzle's prepared statements.
 */
export type HotReads = {
  /** The session with this id unless it expired by `now`, with its user. */
  liveSession(id: string, now: number): Promise<{ session: Session; user: User } | null>;
};

/** The hot reads as Drizzle's prepared statements, on either dialect. */
export function drizzleHotReads(orm: Orm, { sessions, users }: Tables): HotReads {
  // Two lookups by primary key: even in bun:sqlite a join of the two is slower.
  const liveSession = orm
    .select()
    .from(sessions)
    .where(and(eq(sessions.id, sql.placeholder("id")), gt(sessions.expiresAt, sql.placeholder("now"))))
    .prepare("live_session");
  const userById = orm
    .select()
    .from(users)
    .where(eq(users.id, sql.placeholder("id")))
    .prepare("user_by_id");
  return {
    async liveSession(id, now) {
      const [session] = await liveSession.execute({ id, now });
      const [user] = session ? await userById.execute({ id: session.userId }) : [];
      return session && user ? { session, user } : null;
    },
  };
}

/** An open database: the one thing the domain is given, on either dialect. */
export type Database = {
  orm: Orm;
  /** The tables as this dialect built them; domain code takes them from here, never from a schema file. */
  tables: Tables;
  /**
   * One transaction, all or nothing: `first`, then the named statements `then` makes from the
   * rows `first` returned, in the order they are named. Both build on the transaction they
   * are given. Resolves to the rows each returned, by name (none without `.returning()`).
   * When `keep` is given and says no to those rows, the transaction is rolled back instead
   * (`kept` false): the rows then tell what each statement found, but none of it was written.
   */
  atomically<Row, Then extends Statements>(
    first: (transaction: Orm) => PromiseLike<Row[]>,
    then: (transaction: Orm, rows: Row[]) => Then,
    keep?: (written: Transacted<Row, Then>) => boolean,
  ): Promise<Transacted<Row, Then> & { kept: boolean }>;
  /** The reads every request with a session makes. */
  reads: HotReads;
  /**
   * A prepared write that requests make all the time (an attempt counted, an event logged),
   * run with its placeholders' values; resolves to its rows once committed. SQLite commits the
   * writes made meanwhile together (group commit); PostgreSQL runs each at once.
   */
  soon<Row>(statement: Prepared<Row>, values: Record<string, unknown>): Promise<Row[]>;
  /**
   * A prepared read that pages make all the time, run with its placeholders' values. SQLite
   * runs the reads asked for meanwhile together, in one read transaction (group read);
   * PostgreSQL runs each at once.
   */
  readSoon<Row>(statement: Prepared<Row>, values: Record<string, unknown>): Promise<Row[]>;
  /** True when the database answers a query within `timeoutMs`: what /healthz reports. */
  answers(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
  /** Where it is, without credentials: for the start-up line. */
  description: string;
};

/** A race between a query and a timer: a database that hangs counts as one that does not answer. */
export async function answersWithin(query: () => Promise<unknown>, timeoutMs: number): Promise<boolean> {
  let timer: Timer | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  const answered = query().then(
    () => true,
    () => false,
  );
  try {
    return await Promise.race([answered, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export type DatabaseOptions = {
  /** PostgreSQL only: the most connections one instance opens. */
  poolSize?: number;
};

/** `postgres://` or `postgresql://` selects PostgreSQL; anything else is a SQLite path (`:memory:` for tests). */
export const isPostgresUrl = (url: string) => /^postgres(ql)?:\/\//i.test(url);

/** The URL to show in logs: a PostgreSQL URL loses its user name and password. */
export function withoutCredentials(url: string): string {
  if (!isPostgresUrl(url)) return url;
  const { protocol, host, pathname } = new URL(url);
  return `${protocol}//${host}${pathname}`;
}

/** Bun's PostgreSQL client's codes for a server it cannot reach or lost on the way. */
const CONNECTION_LOST = new Set([
  "ERR_POSTGRES_CONNECTION_CLOSED",
  "ERR_POSTGRES_CONNECTION_FAILED",
  "ERR_POSTGRES_CONNECTION_REFUSED",
  "ERR_POSTGRES_CONNECTION_TIMEOUT",
  "ERR_POSTGRES_IDLE_TIMEOUT",
  "ERR_POSTGRES_LIFETIME_TIMEOUT",
]);
/** SQLSTATEs of a server that is going away or not there yet: class 08 (connection) and 57P (shutting down, starting up), and a full house. */
const SERVER_AWAY = /^(08...|57P0[1-4]|53300)$/;

/** The code that `pick` finds first in an error or its causes (Drizzle wraps the driver's error as its cause); null for none. */
function codeInCauses(
  error: unknown,
  pick: (cause: { code?: unknown; errno?: unknown }) => string | null,
): string | null {
  for (let cause = error, depth = 0; cause instanceof Error && depth < 4; cause = cause.cause, depth++) {
    const code = pick(cause as { code?: unknown; errno?: unknown });
    if (code) return code;
  }
  return null;
}

/**
 * When an error means the database could not be reached (a restart, a failover, no connection
 * left on the server), not that the query was wrong: the driver's code for it, which is safe to
 * log; null for any other error.
 */
export const unreachableDatabaseCode = (error: unknown): string | null =>
  codeInCauses(error, ({ code, errno }) => {
    if (typeof code === "string" && CONNECTION_LOST.has(code)) return code;
    if (code === "ERR_POSTGRES_SERVER_ERROR" && typeof errno === "string" && SERVER_AWAY.test(errno)) return errno;
    return null;
  });

/**
 * When SQLite gave up waiting for a lock that another connection held past `busy_timeout` (a
 * long write of another instance's or of a tool's): its code, safe to log; null for any other error.
 */
export const busyDatabaseCode = (error: unknown): string | null =>
  codeInCauses(error, ({ code }) => (typeof code === "string" && code.startsWith("SQLITE_BUSY") ? code : null));

/** A table whose rows belong to a user and are named by a text id. */
type OwnedRows = PgTable & { id: PgColumn; userId: PgColumn };

/** Deletes one of the user's rows: false when `id` is another user's, or gone already. */
export async function deleteOwnedRow(orm: Orm, table: OwnedRows, userId: number, id: string): Promise<boolean> {
  const gone = await orm
    .delete(table)
    .where(and(eq(table.id, id), eq(table.userId, userId)))
    .returning({ id: table.id });
  return gone.length === 1;
}
