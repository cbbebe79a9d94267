import { and, desc, eq, inArray, isNull, sql } from "drizzle-orm";
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
  /** credential_added: its id, so that a "This wasn't me" can remove it. */
  credentialId?: string;
  /** credential_added: made by the password manager right after a sign-in, without a dialog. */
  automatically?: boolean;
  /** repudiated: the event its owner said was not them. */
  repudiated?: SecurityEventType;
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

/** How many of an account's latest sign-ins a new one is compared with. */
const BROWSERS_COMPARED = 500;
/** A user agent without its version numbers: "Firefox/140.0" and "Firefox/141.0" are one browser. */
const browserFamily = (userAgent: string | null) => (userAgent ?? "").replace(/\d+([._]\d+)*/g, "");

/** What hears of each event once it is written: never awaited by the request that wrote it. */
export type EventListener = (event: LoggedEvent) => void;

/** The security event log. Callers pass only secret-free details: never a password, code, key or token. */
export function eventLog(
  { orm, tables: { securityEvents }, soon, readSoon }: Database,
  clock: Clock,
  onRecorded: EventListener = () => {},
) {
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
    .returning({ id: securityEvents.id })
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

    /** Writes an event; once it is committed, `onRecorded` hears of it. */
    async record(type: SecurityEventType, userId: number | null, meta: RequestMeta, detail?: EventDetail) {
      const row = rowOf(type, userId, meta, detail);
      const [written] = await soon(insert, row);
      if (written) onRecorded({ ...row, id: written.id, repudiatedAt: null, detail: detail ?? {} });
    },

    /** The account's newest events first. */
    async recent(userId: number, limit: number): Promise<LoggedEvent[]> {
      return readBack(await readSoon(newest, { userId, limit }));
    },

    async find(id: number): Promise<LoggedEvent | null> {
      const [row] = await orm.select().from(securityEvents).where(eq(securityEvents.id, id));
      return row ? { ...row, detail: readDetail(row.detail) } : null;
    },

    /** Marks the event as disowned by its owner: false when it was already, so its link works once. */
    async markRepudiated(id: number): Promise<boolean> {
      const marked = await orm
        .update(securityEvents)
        .set({ repudiatedAt: clock() })
        .where(and(eq(securityEvents.id, id), isNull(securityEvents.repudiatedAt)))
        .returning({ id: securityEvents.id });
      return marked.length > 0;
    },

    /**
     * Whether the account was registered or signed in on a browser like this one before: the
     * same user agent but for its version numbers, which every update changes. True for an
     * account with no such event yet, whose first browser is new to nobody.
     */
    async browserSeen(userId: number, userAgent: string | null): Promise<boolean> {
      const rows = await orm
        .select({ userAgent: securityEvents.userAgent })
        .from(securityEvents)
        .where(and(eq(securityEvents.userId, userId), inArray(securityEvents.type, ["registered", "signed_in"])))
        .orderBy(desc(securityEvents.id))
        .limit(BROWSERS_COMPARED);
      const family = browserFamily(userAgent);
      return rows.length === 0 || rows.some((row) => browserFamily(row.userAgent) === family);
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
