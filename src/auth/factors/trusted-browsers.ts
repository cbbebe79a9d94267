import { and, eq, gt, lte, sql } from "drizzle-orm";
import type { Clock } from "../../clock";
import { type Database, deleteOwnedRow, type Orm } from "../../db/database";
import type { TrustedBrowser } from "../../db/tables";
import { randomToken, sha256Hex } from "../crypto";
import type { RequestMeta } from "../stores/events";

/** A new trusted browser's cookie token, and when the cookie should expire. */
export type NewTrustedBrowser = { token: string; expiresAt: Date };

/**
 * Browsers that skip the code step for one user, each for `lifetimeDays`. Like sessions, only a
 * hash of the cookie's token is stored.
 */
export function trustedBrowserStore(
  { orm, tables: { trustedBrowsers }, readSoon }: Database,
  clock: Clock,
  lifetimeDays: number,
) {
  const lifetimeMs = lifetimeDays * 24 * 60 * 60_000;
  /** The delete that forgets every trusted browser of the user, on `on`: the database or a transaction. */
  const revokeAllOn = (on: Orm, userId: number) =>
    on.delete(trustedBrowsers).where(eq(trustedBrowsers.userId, userId)).returning({ id: trustedBrowsers.id });

  // Asked on every account page: prepared once, and unordered (see `list`).
  const live = orm
    .select()
    .from(trustedBrowsers)
    .where(
      and(eq(trustedBrowsers.userId, sql.placeholder("userId")), gt(trustedBrowsers.expiresAt, sql.placeholder("now"))),
    )
    .prepare("live_trusted_browsers");

  return {
    async create(userId: number, meta: RequestMeta): Promise<NewTrustedBrowser> {
      const token = randomToken();
      const now = clock();
      const expiresAt = now + lifetimeMs;
      await orm.insert(trustedBrowsers).values({
        id: sha256Hex(token),
        userId,
        createdAt: now,
        expiresAt,
        ip: meta.ip,
        userAgent: meta.userAgent,
      });
      return { token, expiresAt: new Date(expiresAt) };
    },

    /** True, and the use recorded, when `token` is a live trusted browser of this user. */
    async use(userId: number, token: string): Promise<boolean> {
      const now = clock();
      const used = await orm
        .update(trustedBrowsers)
        .set({ lastUsedAt: now })
        .where(
          and(
            eq(trustedBrowsers.id, sha256Hex(token)),
            eq(trustedBrowsers.userId, userId),
            gt(trustedBrowsers.expiresAt, now),
          ),
        )
        .returning({ id: trustedBrowsers.id });
      return used.length === 1;
    },

    /** Newest first, sorted here: for one user's few rows, SQLite's sorter costs more than the whole query. */
    async list(userId: number): Promise<TrustedBrowser[]> {
      return (await readSoon(live, { userId, now: clock() })).sort((a, b) => b.createdAt - a.createdAt);
    },

    /** Forgets one of the user's trusted browsers; false when it is not theirs or already gone. */
    revoke: (userId: number, id: string): Promise<boolean> => deleteOwnedRow(orm, trustedBrowsers, userId, id),

    revokeAllOn,

    /** Forgets every trusted browser of the user; how many there were. */
    async revokeAll(userId: number): Promise<number> {
      return (await revokeAllOn(orm, userId)).length;
    },

    async deleteExpired(): Promise<void> {
      await orm.delete(trustedBrowsers).where(lte(trustedBrowsers.expiresAt, clock()));
    },
  };
}
