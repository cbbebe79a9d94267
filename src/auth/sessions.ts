import { and, eq, gt, lte } from "drizzle-orm";
import type { Clock } from "../clock";
import type { Db } from "../db/client";
import { type Session, type SessionState, sessions, type User, users } from "../db/schema";
import { randomToken, sha256Hex } from "./crypto";
import type { RequestMeta } from "./events";

const PENDING_LIFETIME_MS = 10 * 60_000;
/** How stale `lastSeenAt` may get before a request writes it: one write a minute, not one a request. */
const TOUCH_INTERVAL_MS = 60_000;

/** Signed-in sessions end after `idleMs` without use, and `absoluteMs` after sign-in whatever happens. */
export type SessionLifetime = { idleMs: number; absoluteMs: number };

export type SessionWithUser = { session: Session; user: User };
/** A new session's cookie token, and when the cookie should expire. */
export type NewSession = { token: string; expiresAt: Date };

export function sessionStore(db: Db, clock: Clock, lifetime: SessionLifetime) {
  const expiryFrom = (state: SessionState, createdAt: number, now: number) =>
    state === "pending"
      ? createdAt + PENDING_LIFETIME_MS
      : Math.min(now + lifetime.idleMs, createdAt + lifetime.absoluteMs);

  async function create(
    userId: number,
    state: SessionState,
    meta: RequestMeta,
    failedCodesBefore = 0,
  ): Promise<NewSession> {
    const token = randomToken();
    const now = clock();
    await db.insert(sessions).values({
      id: sha256Hex(token),
      userId,
      state,
      createdAt: now,
      lastSeenAt: now,
      expiresAt: expiryFrom(state, now, now),
      ip: meta.ip,
      userAgent: meta.userAgent,
      failedCodesBefore,
    });
    // The cookie may live to the absolute limit; the idle limit is the database's to enforce.
    const cookieExpiry = state === "pending" ? now + PENDING_LIFETIME_MS : now + lifetime.absoluteMs;
    return { token, expiresAt: new Date(cookieExpiry) };
  }

  return {
    create,

    /** The live session behind a cookie token, or null when it is unknown or expired. Use slides the idle expiry. */
    async validate(token: string): Promise<SessionWithUser | null> {
      const now = clock();
      const [row] = await db
        .select({ session: sessions, user: users })
        .from(sessions)
        .innerJoin(users, eq(sessions.userId, users.id))
        .where(and(eq(sessions.id, sha256Hex(token)), gt(sessions.expiresAt, now)));
      if (!row) return null;
      const { session } = row;
      if (session.state === "signed_in" && now - session.lastSeenAt >= TOUCH_INTERVAL_MS) {
        const expiresAt = expiryFrom(session.state, session.createdAt, now);
        await db.update(sessions).set({ lastSeenAt: now, expiresAt }).where(eq(sessions.id, session.id));
        return { ...row, session: { ...session, lastSeenAt: now, expiresAt } };
      }
      return row;
    },

    /** Replaces a session by a new one in `state`, so that a token seen before the step is worthless after it. */
    async rotate(
      session: Session,
      state: SessionState,
      meta: RequestMeta,
      failedCodesBefore = 0,
    ): Promise<NewSession | null> {
      const deleted = await db.delete(sessions).where(eq(sessions.id, session.id)).returning({ id: sessions.id });
      // Two requests racing on one session: only the one that deleted it may step up.
      if (deleted.length === 0) return null;
      return create(session.userId, state, meta, failedCodesBefore);
    },

    async delete(sessionId: string): Promise<void> {
      await db.delete(sessions).where(eq(sessions.id, sessionId));
    },

    async deleteExpired(): Promise<void> {
      await db.delete(sessions).where(lte(sessions.expiresAt, clock()));
    },
  };
}
