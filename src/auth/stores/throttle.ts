import { eq, type SQL, sql } from "drizzle-orm";
import type { Clock } from "../../clock";
import type { Database } from "../../db/database";

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/**
 * The first `freeFailures - 1` failures cost nothing. The attempt that makes `freeFailures`,
 * and each one after it, locks for a time that doubles from `firstLockMs` up to `maxLockMs`.
 * The count only resets on a success, so an attacker who never succeeds keeps doubling.
 */
export type ThrottlePolicy = { freeFailures: number; firstLockMs: number; maxLockMs: number };

/** Codes: 5 tries, then 1 min, 2, 4, … 30 days: 31 guesses in a year (see tests/second-factor.test.ts). */
export const CODE_POLICY: ThrottlePolicy = { freeFailures: 5, firstLockMs: MINUTE, maxLockMs: 30 * DAY };

/**
 * Passwords: the same doubling, capped at an hour. Anyone who knows a username can fail
 * its password on purpose, so a long cap would lock the owner out; the code lock, which
 * needs the password, is what bounds a real attack.
 */
export const PASSWORD_POLICY: ThrottlePolicy = { freeFailures: 5, firstLockMs: MINUTE, maxLockMs: 60 * MINUTE };

export type Attempt =
  /** Go ahead. `failures` counts this attempt; `lockedUntil` is set when failing it has locked. */
  { allowed: true; failures: number; lockedUntil: number | null } | { allowed: false; lockedUntil: number };

/** Lock length once the count reaches n, as SQL: a CASE over the doubling steps, the same on any dialect. */
function lockLengthSql(failures: SQL, policy: ThrottlePolicy): SQL {
  const steps: SQL[] = [];
  for (let doublings = 0; policy.firstLockMs * 2 ** doublings < policy.maxLockMs; doublings++) {
    steps.push(sql` WHEN ${policy.freeFailures + doublings} THEN ${policy.firstLockMs * 2 ** doublings}`);
  }
  return sql`CASE ${failures}${sql.join(steps)} ELSE ${policy.maxLockMs} END`;
}

export function throttleStore({ orm, tables: { throttles }, soon }: Database, clock: Clock) {
  /** The conditional upsert of `reserve`, prepared once per policy: it runs on every sign-in attempt. */
  const countAttempt = (policy: ThrottlePolicy) => {
    const now = sql.placeholder("now");
    const next = sql`${throttles.failures} + 1`;
    return orm
      .insert(throttles)
      .values({ key: sql.placeholder("key"), failures: 1, lockedUntil: sql.placeholder("firstLockedUntil") })
      .onConflictDoUpdate({
        target: throttles.key,
        set: {
          failures: next,
          lockedUntil: sql`CASE WHEN ${next} >= ${policy.freeFailures} THEN ${now} + ${lockLengthSql(next, policy)} ELSE NULL END`,
        },
        setWhere: sql`${throttles.lockedUntil} IS NULL OR ${throttles.lockedUntil} <= ${now}`,
      })
      .returning()
      .prepare(`count_attempt_${policy.freeFailures}_${policy.firstLockMs}_${policy.maxLockMs}`);
  };
  const prepared = new Map<ThrottlePolicy, ReturnType<typeof countAttempt>>();

  /** Until when `key` is locked, or null when it is not. */
  async function lockedUntil(key: string): Promise<number | null> {
    const [row] = await orm.select().from(throttles).where(eq(throttles.key, key));
    return row?.lockedUntil && row.lockedUntil > clock() ? row.lockedUntil : null;
  }

  return {
    /**
     * Counts an attempt before it is checked, in one conditional write, so that parallel
     * requests cannot all slip in before the count catches up. A success calls `reset`.
     */
    async reserve(key: string, policy: ThrottlePolicy): Promise<Attempt> {
      const now = clock();
      const statement = prepared.get(policy) ?? countAttempt(policy);
      prepared.set(policy, statement);
      const firstLockedUntil = policy.freeFailures <= 1 ? now + policy.firstLockMs : null;
      const [row] = await soon(statement, { key, now, firstLockedUntil });
      if (row) return { allowed: true, failures: row.failures, lockedUntil: row.lockedUntil };
      return { allowed: false, lockedUntil: (await lockedUntil(key)) ?? now };
    },

    async reset(key: string): Promise<void> {
      await orm.delete(throttles).where(eq(throttles.key, key));
    },

    lockedUntil,
  };
}
