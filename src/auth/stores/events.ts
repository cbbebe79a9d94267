import { desc, eq, sql } from "drizzle-orm";
import type { Clock } from "../../clock";
import type { Database, Orm } from "../../db/database";
import type { SecurityEvent, SecurityEventType, SignInFactor } from "../../db/tables";

/** Who is asking, as far as the request tells: for the event log and the session list. */
export type RequestMeta = { ip: string | null; userAgent: string | null };

/**
 * What an event says beyond its type: counts and times, never a secret. Stored as JSON, and
 * read back typed, so no view parses a sentence.
 */
export type EventDetail = {
  /** locked_out: until when. */
  lockedUntil?: number;
  /** code_failed: which kind of code was wrong, when it was not the app's. */
  factor?: "recovery_code" | "webauthn";
  /** signed_in: what completed it. */
  signedInWith?: SignInFactor;
  /** credential_*: the passkey's or security key's name (the person's own words: escape it). */
  credential?: string;
  /** credential_renamed: its name before. */
  formerName?: string;
  /** recovery_code_used: how many are left. */
  left?: number;
  /** How many sessions and trusted browsers an action ended. */
  sessions?: number;
  trustedBrowsers?: number;
};

/** An event as the account page shows it. */
export type LoggedEvent = Omit<SecurityEvent, "detail"> & { detail: EventDetail };

/** A stored detail read back. Rows written before details were JSON held a sentence: shown without it. */
function readDetail(stored: string | null): EventDetail {
  if (!stored?.startsWith("{")) return {};
  try {
    return JSON.parse(stored) as EventDetail;
  } catch {
    return {};
  }
}

const readBack = (rows: SecurityEvent[]): LoggedEvent[] =>
  rows.map((row) => ({ ...row, detail: readDetail(row.detail) }));

/** The security event log. Callers pass only secret-free details: never a password, code, key or token. */
export function eventLog({ orm, tables: { securityEvents }, soon }: Database, clock: Clock) {
  /** An event's row. */
  const rowOf = (type: SecurityEventType, userId: number | null, meta: RequestMeta, detail?: EventDetail) => ({
    type,
    userId,
    detail: detail ? JSON.stringify(detail) : null,
    ip: meta.ip,
    userAgent: meta.userAgent,
    createdAt: clock(),
  });
  /** The insert that records an event, on `on`: the database, or a transaction it must be part of. */
  const recordOn = (on: Orm, type: SecurityEventType, userId: number | null, meta: RequestMeta, detail?: EventDetail) =>
    on.insert(securityEvents).values(rowOf(type, userId, meta, detail));

  // Written on every failed attempt, so prepared once; in a transaction, recordOn builds it there.
  const insert = orm
    .insert(securityEvents)
    .values({
      type: sql.placeholder("type"),
      userId: sql.placeholder("userId"),
      detail: sql.placeholder("detail"),
      ip: sql.placeholder("ip"),
      userAgent: sql.placeholder("userAgent"),
      createdAt: sql.placeholder("createdAt"),
    })
    .prepare("record_security_event");
  // Asked on every account page: prepared once.
  const newest = orm
    .select()
    .from(securityEvents)
    .where(eq(securityEvents.userId, sql.placeholder("userId")))
    .orderBy(desc(securityEvents.createdAt), desc(securityEvents.id))
    .limit(sql.placeholder("limit"))
    .prepare("newest_security_events");

  return {
    recordOn,

    async record(type: SecurityEventType, userId: number | null, meta: RequestMeta, detail?: EventDetail) {
      await soon(insert, rowOf(type, userId, meta, detail));
    },

    /** The account's newest events first. */
    async recent(userId: number, limit: number): Promise<LoggedEvent[]> {
      return readBack(await newest.execute({ userId, limit }));
    },

    /** Every event of the account, newest first: its whole log, to download. */
    async all(userId: number): Promise<LoggedEvent[]> {
      const rows = await orm
        .select()
        .from(securityEvents)
        .where(eq(securityEvents.userId, userId))
        .orderBy(desc(securityEvents.createdAt), desc(securityEvents.id));
      return readBack(rows);
    },
  };
}
