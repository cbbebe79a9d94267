import type { Clock } from "../clock";

const MINUTE = 60_000;
const MAX_TRACKED = 10_000;

/**
 * A token bucket per client IP: `perMinute` unsafe requests, refilled continuously.
 * Kept in memory, so each instance has its own; the account throttles are the durable guard.
 */
export function ipBudget(perMinute: number, clock: Clock) {
  const buckets = new Map<string, { tokens: number; at: number }>();

  function refilled(bucket: { tokens: number; at: number }, now: number): number {
    return Math.min(perMinute, bucket.tokens + ((now - bucket.at) * perMinute) / MINUTE);
  }

  return {
    /** Spends one request: null when allowed, otherwise the seconds until the next one is. */
    spend(ip: string): number | null {
      const now = clock();
      const bucket = buckets.get(ip);
      const tokens = bucket ? refilled(bucket, now) : perMinute;
      if (tokens < 1) return Math.ceil(((1 - tokens) * MINUTE) / perMinute / 1000);
      if (!bucket && buckets.size >= MAX_TRACKED) {
        // Forget the IPs whose buckets are full again: they lose nothing.
        for (const [key, old] of buckets) if (refilled(old, now) >= perMinute) buckets.delete(key);
      }
      buckets.set(ip, { tokens: tokens - 1, at: now });
      return null;
    },
  };
}
