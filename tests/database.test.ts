import { Database as SqliteClient } from "bun:sqlite";
import { afterEach, beforeEach, expect, test } from "bun:test";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eq, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/bun-sqlite";
import { migrate } from "drizzle-orm/bun-sqlite/migrator";
import { type Database, openDatabase, withoutCredentials } from "../src/db/database";
import { backend, freshDatabaseUrl, testDatabase } from "./databases";

let database: Database;
let close: () => Promise<void>;
beforeEach(async () => {
  ({ database, close } = await testDatabase());
});
afterEach(() => close());

const newUser = (username: string) => ({ username, usernameKey: username, passwordHash: "x", createdAt: 1 });

test("atomically writes the first statement and what follows from its rows, and returns the rows of each", async () => {
  const { users, securityEvents } = database.tables;
  const written = await database.atomically(
    (transaction) => transaction.insert(users).values(newUser("ann")).returning(),
    (transaction, [user]) => ({
      registered: transaction
        .insert(securityEvents)
        .values({ type: "registered", userId: user?.id ?? null, createdAt: 1 })
        .returning({ id: securityEvents.id }),
      signedIn: transaction
        .insert(securityEvents)
        .values({ type: "signed_in", userId: user?.id ?? null, createdAt: 2 }),
    }),
  );
  expect(written.first.map((row) => row.username)).toEqual(["ann"]);
  const events = await database.orm.select().from(securityEvents).orderBy(securityEvents.id);
  expect(events.map((event) => event.userId)).toEqual([written.first[0]?.id ?? -1, written.first[0]?.id ?? -1]);
  expect(written.followed.registered).toEqual([{ id: events[0]?.id ?? -1 }]);
  expect(written.followed.signedIn).toEqual([]);
});

test("atomically undoes the first statement when a later one fails", async () => {
  const { users, recoveryCodes } = database.tables;
  const attempt = database.atomically(
    (transaction) => transaction.insert(users).values(newUser("ben")).returning(),
    (transaction) => ({ code: transaction.insert(recoveryCodes).values({ userId: 999_999, codeHash: "h" }) }), // no such user
  );
  expect(attempt).rejects.toThrow();
  await attempt.catch(() => {});
  expect(await database.orm.select().from(users).where(eq(users.usernameKey, "ben"))).toEqual([]);
  // The database is still usable afterwards.
  await database.orm.insert(users).values(newUser("ben"));
  expect(await database.orm.select().from(users)).toHaveLength(1);
});

test("a PostgreSQL URL is shown without its credentials", () => {
  expect(withoutCredentials("postgres://app:s3cret@db.internal:5432/auth")).toBe("postgres://db.internal:5432/auth");
  expect(withoutCredentials("db/app.sqlite")).toBe("db/app.sqlite");
});

test.if(backend === "postgres")("PostgreSQL: one instance opens at most DATABASE_POOL_SIZE connections", async () => {
  const fresh = await freshDatabaseUrl({ migrated: true });
  const pooled = await openDatabase(fresh.url, { poolSize: 3 });
  const name = new URL(fresh.url).pathname.slice(1);
  const connections = async () => {
    const rows = await database.orm.execute<{ n: number }>(
      sql`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = ${name}`,
    );
    return rows[0]?.n ?? 0;
  };
  const busy = Promise.all(Array.from({ length: 20 }, () => pooled.orm.execute(sql`SELECT pg_sleep(0.05)`)));
  const seen: number[] = [];
  for (let i = 0; i < 10; i++) {
    seen.push(await connections());
    await Bun.sleep(20);
  }
  await busy;
  expect(Math.max(...seen)).toBe(3);
  await pooled.close();
  await fresh.drop();
});

/** The event insert as the event log prepares it, for `soon`. */
const eventInsert = (db: Database, name: string) =>
  db.orm
    .insert(db.tables.securityEvents)
    .values({ type: "registered", userId: sql.placeholder("userId"), createdAt: sql.placeholder("createdAt") })
    .returning({ id: db.tables.securityEvents.id, userId: db.tables.securityEvents.userId })
    .prepare(name);

test("writes made together commit together, each with its own rows, and one that fails fails alone", async () => {
  const [user] = await database.orm.insert(database.tables.users).values(newUser("dora")).returning();
  const insert = eventInsert(database, "soon_event");
  const outcomes = await Promise.allSettled([
    database.soon(insert, { userId: user?.id, createdAt: 1 }),
    database.soon(insert, { userId: 999_999, createdAt: 2 }), // no such user: its foreign key refuses it
    database.soon(insert, { userId: null, createdAt: 3 }),
  ]);
  expect(outcomes.map((outcome) => outcome.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
  // PostgreSQL runs each write at once, on connections of its pool: in no set order.
  const stored = await database.orm
    .select()
    .from(database.tables.securityEvents)
    .orderBy(database.tables.securityEvents.createdAt);
  expect(stored.map((event) => event.createdAt)).toEqual([1, 3]);
  const [first, , third] = outcomes;
  expect(first?.status === "fulfilled" && first.value).toEqual([{ id: stored[0]?.id ?? -1, userId: user?.id ?? -1 }]);
  expect(third?.status === "fulfilled" && third.value).toEqual([{ id: stored[1]?.id ?? -1, userId: null }]);
});

test("a write made soon is committed by the time it resolves: another connection sees it", async () => {
  const fresh = await freshDatabaseUrl({ migrated: true });
  const writer = await openDatabase(fresh.url, { poolSize: 1 });
  const reader = await openDatabase(fresh.url, { poolSize: 1 });
  await writer.soon(eventInsert(writer, "soon_event_seen"), { userId: null, createdAt: 7 });
  const seen = await reader.orm.select().from(reader.tables.securityEvents);
  expect(seen.map((event) => event.createdAt)).toEqual([7]);
  await writer.close();
  await reader.close();
  await fresh.drop();
});

test("a write made soon on a database that has closed is refused, not left waiting", async () => {
  const fresh = await freshDatabaseUrl({ migrated: true });
  const closing = await openDatabase(fresh.url, { poolSize: 1 });
  const insert = eventInsert(closing, "soon_event_closed");
  await closing.close();
  await expect(closing.soon(insert, { userId: null, createdAt: 1 })).rejects.toThrow();
  await fresh.drop();
});

/** Users with one live session each (ids `s-<name>`), and one expired session of the first. */
async function usersWithSessions(db: Database, names: string[]) {
  const users = await db.orm
    .insert(db.tables.users)
    .values(names.map(newUser))
    .returning({ id: db.tables.users.id, username: db.tables.users.username });
  const session = (id: string, userId: number, expiresAt: number) =>
    ({ id, userId, state: "signed_in", createdAt: 1, lastSeenAt: 1, expiresAt }) as const;
  await db.orm
    .insert(db.tables.sessions)
    .values([
      ...users.map((user) => session(`s-${user.username}`, user.id, 1_000)),
      session("s-expired", users[0]?.id ?? -1, 10),
    ]);
  return users;
}

test("session reads made together each answer their own session, with its own user", async () => {
  const names = Array.from({ length: 12 }, (_, i) => `user${i}`);
  await usersWithSessions(database, names);
  const ids = [...names.map((name) => `s-${name}`), "s-expired", "s-unknown"].flatMap((id) => [id, id]);
  const answers = await Promise.all(ids.map((id) => database.reads.liveSession(id, 100)));
  expect(answers.map((answer) => answer && [answer.session.id, answer.user.username])).toEqual(
    ids.map((id) => (id === "s-expired" || id === "s-unknown" ? null : [id, id.slice(2)])),
  );
});

test("prepared reads made soon, asked for together, each answer their own rows", async () => {
  const users = await usersWithSessions(database, ["gus", "hal", "ivy"]);
  const { sessions } = database.tables;
  const sessionsOf = database.orm
    .select({ id: sessions.id })
    .from(sessions)
    .where(eq(sessions.userId, sql.placeholder("userId")))
    .orderBy(sessions.id)
    .prepare("sessions_of_user_soon");
  const answers = await Promise.all(
    [...users, { id: 999_999 }].map(({ id }) => database.readSoon(sessionsOf, { userId: id })),
  );
  expect(answers).toEqual([[{ id: "s-expired" }, { id: "s-gus" }], [{ id: "s-hal" }], [{ id: "s-ivy" }], []]);
});

test("a session read sees a sign-out another connection committed before it was asked", async () => {
  const fresh = await freshDatabaseUrl({ migrated: true });
  const server = await openDatabase(fresh.url, { poolSize: 1 });
  const admin = await openDatabase(fresh.url, { poolSize: 1 });
  await usersWithSessions(server, ["erin", "finn"]);
  expect((await server.reads.liveSession("s-erin", 100))?.user.username).toBe("erin");
  await admin.orm.delete(admin.tables.sessions).where(eq(admin.tables.sessions.id, "s-erin"));
  const [erin, finn] = await Promise.all([
    server.reads.liveSession("s-erin", 100),
    server.reads.liveSession("s-finn", 100),
  ]);
  expect(erin).toBeNull();
  expect(finn?.user.username).toBe("finn");
  await server.close();
  await admin.close();
  await fresh.drop();
});

test("a session read on a database that has closed is refused, not left waiting", async () => {
  const fresh = await freshDatabaseUrl({ migrated: true });
  const closing = await openDatabase(fresh.url, { poolSize: 1 });
  await closing.close();
  await expect(closing.reads.liveSession("s-any", 100)).rejects.toThrow();
  await fresh.drop();
});

test.skipIf(backend !== "sqlite")(
  "SQLite: the migration to a count on the user row counts the codes accounts already have",
  async () => {
    const folder = join(import.meta.dir, "../db/migrations/sqlite");
    const before = mkdtempSync(join(tmpdir(), "bun-2fa-migrations-"));
    cpSync(folder, before, { recursive: true });
    const journal = JSON.parse(readFileSync(join(before, "meta/_journal.json"), "utf8"));
    // The database as it stood before that migration: the migrator applies only entries newer than the last one applied.
    journal.entries = journal.entries.filter((entry: { idx: number }) => entry.idx < 4);
    writeFileSync(join(before, "meta/_journal.json"), JSON.stringify(journal));
    const client = new SqliteClient(":memory:");
    const orm = drizzle({ client });
    migrate(orm, { migrationsFolder: before });
    client.run(
      `INSERT INTO users (id, username, username_key, password_hash, created_at) VALUES (1, 'old', 'old', 'x', 1), (2, 'none', 'none', 'x', 1)`,
    );
    client.run(
      `INSERT INTO recovery_codes (user_id, code_hash, used_at) VALUES (1, 'a', NULL), (1, 'b', 5), (1, 'c', NULL)`,
    );
    migrate(orm, { migrationsFolder: folder });
    expect(client.query("SELECT id, recovery_codes_left AS left FROM users ORDER BY id").all()).toEqual([
      { id: 1, left: 2 },
      { id: 2, left: 0 },
    ]);
    client.close();
    rmSync(before, { recursive: true, force: true });
  },
);

test("the hot reads give exactly the rows Drizzle gives: every column, under its key, of its type, with its user", async () => {
  const { users, sessions } = database.tables;
  const [user] = await database.orm
    .insert(users)
    .values({ ...newUser("cleo"), totpLastStep: 42, webauthnUserId: "handle" })
    .returning();
  if (!user) throw new Error("no user");
  const row = {
    userId: user.id,
    state: "signed_in" as const,
    createdAt: 10,
    lastSeenAt: 20,
    expiresAt: 1_000,
    ip: null,
    userAgent: "agent",
  };
  await database.orm.insert(sessions).values([
    { ...row, id: "used", usedRecoveryCode: true, failedCodesBefore: 3, signedInWith: "recovery_code" },
    { ...row, id: "plain" },
  ]);
  for (const id of ["used", "plain"]) {
    const [expected] = await database.orm.select().from(sessions).where(eq(sessions.id, id));
    expect(await database.reads.liveSession(id, 999)).toEqual(expected ? { session: expected, user } : null);
  }
  expect((await database.reads.liveSession("used", 999))?.session.usedRecoveryCode).toBe(true);
  expect((await database.reads.liveSession("plain", 999))?.session.usedRecoveryCode).toBe(false);
  // Expired at `now`, and unknown: no row.
  expect(await database.reads.liveSession("used", 1_000)).toBeNull();
  expect(await database.reads.liveSession("nobody", 0)).toBeNull();
});
