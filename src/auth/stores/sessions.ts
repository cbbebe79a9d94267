import { and, eq, gt, lte, ne, sql } from "drizzle-orm";
import type { Clock } from "../../clock";
import { type Claim, type Database, deleteOwnedRow, type Orm } from "../../db/database";
import type { Session, SessionState, SignInFactor, User } from "../../db/tables";
import { randomToken, sha256Hex } from "../crypto";

/** A session's id from its cookie token: what the database keeps, never the token itself. */
export const sessionIdOf = (token: string): string => sha256Hex(token);

import type { SignInProof } from "../flows/proofs";
import type { RequestMeta } from "./events";

const PENDING_LIFETIME_MS = 10 * 60_000;
/** How stale `lastSeenAt` may get before a request writes it: one write a minute, not one a request. */
const TOUCH_INTERVAL_MS = 60_000;

/**
 * Whether a second factor was given in this session within `windowMs` of `now`: what a route
 * that asks for a fresh confirmation, and the auth's own sensitive actions, let through.
 */
export const confirmedWithin = (session: Session, windowMs: number, now: number): boolean =>
  session.factorConfirmedAt !== null && now - session.factorConfirmedAt <= windowMs;

/** Signed-in sessions end after `idleMs` without use, and `absoluteMs` after sign-in whatever happens. */
export type SessionLifetime = { idleMs: number; absoluteMs: number };

export type SessionWithUser = { session: Session; user: User };
/** A new session's cookie token, and when the cookie should expire. */
export type NewSession = { token: string; expiresAt: Date };
/** What a signed-in page tells about how the sign-in went. */
export type SignInNotes = { failedCodesBefore?: number; usedRecoveryCode?: boolean; signedInWith?: SignInFactor };
export function sessionStore(
  { orm, reads, readSoon, tables: { sessions } }: Database,
  clock: Clock,
  lifetime: SessionLifetime,
) {
  const expiryFrom = (state: SessionState, createdAt: number, now: number) =>
    state === "pending"
      ? createdAt + PENDING_LIFETIME_MS
      : Math.min(now + lifetime.idleMs, createdAt + lifetime.absoluteMs);

  /** `factorConfirmedAt`: "now" for a session a second factor starts, a time a renewal carries on, or null. */
  async function create(
    userId: number,
    state: SessionState,
    meta: RequestMeta,
    notes: SignInNotes = {},
    factorConfirmedAt: "now" | number | null = null,
  ): Promise<NewSession> {
    const token = randomToken();
    const now = clock();
    await orm.insert(sessions).values({
      id: sessionIdOf(token),
      userId,
      state,
      createdAt: now,
      lastSeenAt: now,
      expiresAt: expiryFrom(state, now, now),
      ip: meta.ip,
      userAgent: meta.userAgent,
      failedCodesBefore: notes.failedCodesBefore ?? 0,
      usedRecoveryCode: notes.usedRecoveryCode ?? false,
      signedInWith: notes.signedInWith ?? null,
      factorConfirmedAt: factorConfirmedAt === "now" ? now : factorConfirmedAt,
    });
    // The cookie may live to the absolute limit; the idle limit is the database's to enforce.
    const cookieExpiry = state === "pending" ? now + PENDING_LIFETIME_MS : now + lifetime.absoluteMs;
    return { token, expiresAt: new Date(cookieExpiry) };
  }

  // Asked on every account page: prepared once, and unordered (see `list`).
  const liveOfUser = orm
    .select()
    .from(sessions)
    .where(and(eq(sessions.userId, sql.placeholder("userId")), gt(sessions.expiresAt, sql.placeholder("now"))))
    .prepare("live_sessions_of_user");

  /** The delete that ends every session of the user but `keepId`, on `on`: the database or a transaction. */
  const revokeAllOn = (on: Orm, userId: number, keepId: string | null) => {
    const mine = eq(sessions.userId, userId);
    return on
      .delete(sessions)
      .where(keepId ? and(mine, ne(sessions.id, keepId)) : mine)
      .returning({ id: sessions.id });
  };

  /** Replaces a signed-in session by a new one, so that its old token is worthless after a password change. */
  async function renew(session: Session, meta: RequestMeta) {
    const deleted = await orm.delete(sessions).where(eq(sessions.id, session.id)).returning({ id: sessions.id });
    // Revoked meanwhile by another request: it stays ended.
    if (deleted.length === 0) return null;
    const notes = { signedInWith: session.signedInWith ?? undefined };
    return create(session.userId, "signed_in", meta, notes, session.factorConfirmedAt);
  }

  /**
   * The one door into a signed-in session: nothing else writes one, and only the checks in
   * proofs.ts make the proof it takes. Only a renewal can find its session gone (another
   * request revoked it first): null then.
   */
  function signIn(
    proof: Exclude<SignInProof, { by: "renewal" }>,
    meta: RequestMeta,
    notes?: SignInNotes,
  ): Promise<NewSession>;
  function signIn(proof: SignInProof, meta: RequestMeta): Promise<NewSession | null>;
  function signIn(proof: SignInProof, meta: RequestMeta, notes: SignInNotes = {}): Promise<NewSession | null> {
    switch (proof.by) {
      case "second_factor":
        return create(proof.claimed.userId, "signed_in", meta, notes, "now");
      case "trusted_browser":
        return create(proof.userId, "signed_in", meta, { signedInWith: "trusted_browser" });
      case "passkey":
        return create(proof.userId, "signed_in", meta, { signedInWith: "passwordless" }, "now");
      case "renewal":
        if (proof.signedIn.state !== "signed_in") return Promise.resolve(null);
        return renew(proof.signedIn, meta);
    }
  }

  return {
    /**
     * The end of a pending session, to write with the second factor that completes it: of two
     * requests completing one session, one claim finds the row and the other nothing.
     */
    claimPending:
      (pending: Session): Claim =>
      (transaction) =>
        transaction
          .delete(sessions)
          .where(and(eq(sessions.id, pending.id), eq(sessions.state, "pending")))
          .returning({ id: sessions.id }),

    /** A session that has passed the password and waits for the second factor. */
    startPending: (userId: number, meta: RequestMeta): Promise<NewSession> => create(userId, "pending", meta),

    signIn,

    /** The live session of this id (`sessionIdOf` its token), or null when it is unknown or expired. Use slides the idle expiry. */
    async validate(id: string): Promise<SessionWithUser | null> {
      const now = clock();
      const row = await reads.liveSession(id, now);
      if (!row) return null;
      const { session } = row;
      if (session.state === "signed_in" && now - session.lastSeenAt >= TOUCH_INTERVAL_MS) {
        const expiresAt = expiryFrom(session.state, session.createdAt, now);
        await orm.update(sessions).set({ lastSeenAt: now, expiresAt }).where(eq(sessions.id, session.id));
        return { ...row, session: { ...session, lastSeenAt: now, expiresAt } };
      }
      return row;
    },

    async delete(sessionId: string): Promise<void> {
      await orm.delete(sessions).where(eq(sessions.id, sessionId));
    },

    /** The user's live sessions, most recently used first. */
    async list(userId: number): Promise<Session[]> {
      // Sorted here: for one user's few rows, SQLite's sorter costs more than the whole query.
      const live = await readSoon(liveOfUser, { userId, now: clock() });
      return live.sort((a, b) => b.lastSeenAt - a.lastSeenAt || b.createdAt - a.createdAt);
    },

    /** Ends one of the user's sessions; false when it is not theirs or already gone. */
    revoke: (userId: number, sessionId: string): Promise<boolean> => deleteOwnedRow(orm, sessions, userId, sessionId),

    revokeAllOn,

    /** Ends every session of the user but `keepId` (all of them when null); how many ended. */
    async revokeAll(userId: number, keepId: string | null): Promise<number> {
      return (await revokeAllOn(orm, userId, keepId)).length;
    },

    /** A second factor was given in this session just now: what a `fresh` window counts from. */
    async confirmFactor(sessionId: string): Promise<number> {
      const now = clock();
      await orm.update(sessions).set({ factorConfirmedAt: now }).where(eq(sessions.id, sessionId));
      return now;
    },

    /** Keeps a sealed replacement TOTP key on the session that is enrolling it. */
    async holdNewTotpSecret(sessionId: string, sealed: string | null): Promise<void> {
      await orm
        .update(sessions)
        .set({ newTotpSecret: sealed, newTotpStartedAt: sealed ? clock() : null })
        .where(eq(sessions.id, sessionId));
    },

    async deleteExpired(): Promise<void> {
      await orm.delete(sessions).where(lte(sessions.expiresAt, clock()));
    },
  };
}
