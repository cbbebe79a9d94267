import { desc, eq } from "drizzle-orm";
import type { Clock } from "../clock";
import type { Database } from "../db/database";
import type { SecurityEvent, SecurityEventType } from "../db/tables";

/** Who is asking, as far as the request tells: for the event log and the session list. */
export type RequestMeta = { ip: string | null; userAgent: string | null };

/** The security event log. Callers pass only secret-free details: never a password, code, key or token. */
export function eventLog({ orm, tables: { securityEvents } }: Database, clock: Clock) {
  return {
    async record(type: SecurityEventType, userId: number | null, meta: RequestMeta, detail?: string): Promise<void> {
      await orm
        .insert(securityEvents)
        .values({ type, userId, detail, ip: meta.ip, userAgent: meta.userAgent, createdAt: clock() });
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
