import { and, eq, gt, lte } from "drizzle-orm";
import type { Clock } from "../clock";
import type { Db } from "../db/client";
import { type Session, type SessionState, sessions, type User, users } from "../db/schema";
import { randomToken, sha256Hex } from "./crypto";

const MINUTE = 60_000;
export const SESSION_LIFETIME: Record<SessionState, number> = {
  pending: 10 * MINUTE,
  signed_in: 7 * 24 * 60 * MINUTE,
};

export type SessionWithUser = { session: Session; user: User };
export type NewSession = { token: string; expiresAt: Date };

export function sessionStore(db: Db, clock: Clock) {
  async function create(userId: number, state: SessionState): Promise<NewSession> {
    const token = randomToken();
    const now = clock();
    const expiresAt = new Date(now + SESSION_LIFETIME[state]);
    await db.insert(sessions).values({ id: sha256Hex(token), userId, state, createdAt: new Date(now), expiresAt });
    return { token, expiresAt };
  }

  return {
    create,

    /** The live session behind a cookie token, or null when it is unknown or expired. */
    async validate(token: string): Promise<SessionWithUser | null> {
      const [row] = await db
        .select({ session: sessions, user: users })
        .from(sessions)
        .innerJoin(users, eq(sessions.userId, users.id))
        .where(and(eq(sessions.id, sha256Hex(token)), gt(sessions.expiresAt, new Date(clock()))));
      return row ?? null;
    },

    /** Replaces a session by a new one in `state`, so that a token seen before the step is worthless after it. */
    async rotate(session: Session, state: SessionState): Promise<NewSession | null> {
      const deleted = await db.delete(sessions).where(eq(sessions.id, session.id)).returning({ id: sessions.id });
      // Two requests racing on one session: only the one that deleted it may step up.
      if (deleted.length === 0) return null;
      return create(session.userId, state);
    },

    async delete(sessionId: string): Promise<void> {
      await db.delete(sessions).where(eq(sessions.id, sessionId));
    },

    async deleteExpired(): Promise<void> {
      await db.delete(sessions).where(lte(sessions.expiresAt, new Date(clock())));
    },
  };
}
