import { desc, eq } from "drizzle-orm";
import type { Clock } from "../clock";
import type { Database, Orm } from "../db/database";
import type { SecurityEvent, SecurityEventType } from "../db/tables";

/** Who is asking, as far as the request tells: for the event log and the session list. */
export type RequestMeta = { ip: string | null; userAgent: string | null };

/** The security event log. Callers pass only secret-free details: never a password, code, key or token. */
export function eventLog({ orm, tables: { securityEvents } }: Database, clock: Clock) {
  /** The insert that records an event, on `on`: the database, or a transaction it must be part of. */
  const recordOn = (on: Orm, type: SecurityEventType, userId: number | null, meta: RequestMeta, detail?: string) =>
    on
      .insert(securityEvents)
      .values({ type, userId, detail, ip: meta.ip, userAgent: meta.userAgent, createdAt: clock() });

  return {
    recordOn,

    async record(type: SecurityEventType, userId: number | null, meta: RequestMeta, detail?: string): Promise<void> {
      await recordOn(orm, type, userId, meta, detail);
    },

    /** The account's newest events first. */
    recent(userId: number, limit: number): Promise<SecurityEvent[]> {
      return orm
        .select()
        .from(securityEvents)
        .where(eq(securityEvents.userId, userId))
        .orderBy(desc(securityEvents.createdAt), desc(securityEvents.id))
        .limit(limit);
    },
  };
}
