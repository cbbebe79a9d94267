import { and, count, eq, gt, isNull, lte, sql } from "drizzle-orm";
import type { Clock } from "../../clock";
import { type Claim, type Database, type Orm, writeWithClaim } from "../../db/database";
import type { ChallengePurpose, User, WebAuthnCredential } from "../../db/tables";
import { randomToken } from "../crypto";

/** A ceremony's challenge lives this long: the WebAuthn timeout we ask the browser for too. */
export const CHALLENGE_LIFETIME_MS = 5 * 60_000;

export type NewCredential = Omit<WebAuthnCredential, "createdAt" | "lastUsedAt">;

/** Passkeys and security keys, and the challenges of their ceremonies. */
export function webauthnStore(database: Database, clock: Clock) {
  const {
    orm,
    tables: { webauthnCredentials: credentials, webauthnChallenges: challenges, users },
  } = database;

  // Asked on every second step and account page: prepared once, and unordered (see `list`).
  const ofUser = orm
    .select()
    .from(credentials)
    .where(eq(credentials.userId, sql.placeholder("userId")))
    .prepare("webauthn_credentials_of_user");

  /** Oldest first, sorted here: for one user's few rows, SQLite's sorter costs more than the whole query. */
  const list = async (userId: number): Promise<WebAuthnCredential[]> =>
    (await database.readSoon(ofUser, { userId })).sort((a, b) => a.createdAt - b.createdAt);

  // Asked at every second step of a user who once registered one: prepared once.
  const anyOfUser = orm
    .select({ id: credentials.id })
    .from(credentials)
    .where(eq(credentials.userId, sql.placeholder("userId")))
    .limit(1)
    .prepare("any_webauthn_credential_of_user");

  /** The delete of every credential of the user, on `on`: the database or a transaction. */
  const deleteAllOn = (on: Orm, userId: number) => on.delete(credentials).where(eq(credentials.userId, userId));

  /** The user handle of `userId`, or null when they have none (or are gone). */
  async function handleOf(userId: number): Promise<string | null> {
    const [row] = await orm.select({ handle: users.webauthnUserId }).from(users).where(eq(users.id, userId));
    return row?.handle ?? null;
  }

  async function find(id: string): Promise<WebAuthnCredential | null> {
    const [credential] = await orm.select().from(credentials).where(eq(credentials.id, id));
    return credential ?? null;
  }

  return {
    /** Hands out a challenge for `owner` and `purpose`; one asked for before by the same owner and purpose stops working. */
    async issueChallenge(owner: string, purpose: ChallengePurpose, challenge: string): Promise<void> {
      await orm.delete(challenges).where(and(eq(challenges.owner, owner), eq(challenges.purpose, purpose)));
      await orm.insert(challenges).values({ challenge, owner, purpose, expiresAt: clock() + CHALLENGE_LIFETIME_MS });
    },

    /**
     * Spends a challenge in one delete: true only for a live one handed to this owner for this
     * purpose, and only once, so a replayed answer, or two racing, find it gone.
     */
    async spendChallenge(owner: string, purpose: ChallengePurpose, challenge: string): Promise<boolean> {
      const spent = await orm
        .delete(challenges)
        .where(
          and(
            eq(challenges.challenge, challenge),
            eq(challenges.owner, owner),
            eq(challenges.purpose, purpose),
            gt(challenges.expiresAt, clock()),
          ),
        )
        .returning({ challenge: challenges.challenge });
      return spent.length === 1;
    },

    /** The user's WebAuthn user handle, made now at their first registration. Two tabs at once get one. */
    async userHandle(user: User): Promise<string> {
      if (user.webauthnUserId) return user.webauthnUserId;
      await orm
        .update(users)
        .set({ webauthnUserId: randomToken(32) })
        .where(and(eq(users.id, user.id), isNull(users.webauthnUserId)));
      const handle = await handleOf(user.id);
      if (!handle) throw new Error(`user ${user.id} vanished during a WebAuthn registration`);
      return handle;
    },

    handleOf,

    list,

    /**
     * The user's credentials, oldest first, without a query for the many who never registered one:
     * the user handle is made before the first registration, so a user without one has none.
     */
    of: (user: User): Promise<WebAuthnCredential[]> => (user.webauthnUserId ? list(user.id) : Promise.resolve([])),

    /** Whether the user has any credential; no query without a user handle. */
    async any(user: User): Promise<boolean> {
      if (!user.webauthnUserId) return false;
      const [row] = await anyOfUser.execute({ userId: user.id });
      return row !== undefined;
    },

    find,

    /**
     * Stores a registered credential; false when its id is registered already, to anyone.
     * With `claim`, stored only if the claim stands too ("unclaimed" when it lost).
     */
    add: (credential: NewCredential, claim?: Claim): Promise<boolean | "unclaimed"> =>
      writeWithClaim(
        database,
        (on) =>
          on
            .insert(credentials)
            .values({ ...credential, createdAt: clock() })
            .onConflictDoNothing()
            .returning({ id: credentials.id }),
        claim,
      ),

    /**
     * Records a use, in one conditional write on the counter it was checked against: of two
     * assertions racing with one counter value, the second finds it moved and is refused.
     * With `claim`, recorded only if the claim stands too ("unclaimed" when it lost).
     */
    recordUse: (
      credential: WebAuthnCredential,
      counter: number,
      backedUp: boolean,
      claim?: Claim,
    ): Promise<boolean | "unclaimed"> =>
      writeWithClaim(
        database,
        (on) =>
          on
            .update(credentials)
            .set({ counter, backedUp, lastUsedAt: clock() })
            .where(and(eq(credentials.id, credential.id), eq(credentials.counter, credential.counter)))
            .returning({ id: credentials.id }),
        claim,
      ),

    /** Renames one of the user's credentials; null when it is not theirs. */
    async rename(userId: number, id: string, name: string): Promise<WebAuthnCredential | null> {
      const [renamed] = await orm
        .update(credentials)
        .set({ name })
        .where(and(eq(credentials.id, id), eq(credentials.userId, userId)))
        .returning();
      return renamed ?? null;
    },

    /**
     * Removes one of the user's credentials unless it is their last second factor. The user's
     * row is written first, so on PostgreSQL two removals queue and the second counts what the
     * first left; on SQLite, writes are serial anyway. Null when nothing was removed.
     */
    async removeUnlessLast(user: User, id: string): Promise<{ removed: WebAuthnCredential | null; last: boolean }> {
      const others = orm
        .select({ n: count() })
        .from(credentials)
        .where(and(eq(credentials.userId, user.id), sql`${credentials.id} <> ${id}`));
      const written = await database.atomically(
        (transaction) =>
          transaction
            .update(users)
            .set({ webauthnUserId: sql`${users.webauthnUserId}` })
            .where(eq(users.id, user.id))
            .returning({ appLinkedAt: users.totpEnabledAt }),
        (transaction, [row]) => ({
          removed: transaction
            .delete(credentials)
            .where(
              and(
                eq(credentials.id, id),
                eq(credentials.userId, user.id),
                // Another factor stays: the app, or another credential.
                row?.appLinkedAt ? sql`true` : gt(sql`(${others})`, 0),
              ),
            )
            .returning(),
        }),
      );
      const [removed] = written.followed.removed;
      if (removed) return { removed, last: false };
      const mine = (await find(id))?.userId === user.id;
      return { removed: null, last: mine };
    },

    async deleteAll(userId: number): Promise<void> {
      await deleteAllOn(orm, userId);
    },

    async deleteExpiredChallenges(): Promise<void> {
      await orm.delete(challenges).where(lte(challenges.expiresAt, clock()));
    },
  };
}

export type WebAuthnStore = ReturnType<typeof webauthnStore>;
