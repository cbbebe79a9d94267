import { busyDatabaseCode, Overloaded, unreachableDatabaseCode } from "../auth";
import { plural } from "../words";
import { HttpError } from "./http-error";

/** Seconds a client is asked to wait: about how long a database restart takes, or a full line of hashes. */
const DATABASE_RETRY_AFTER_S = 5;
const OVERLOAD_RETRY_AFTER_S = 2;
/** While the database stays away, a reminder at most this often, instead of a line a request. */
const REMINDER_INTERVAL_MS = 60_000;

/**
 * The 503 for a request the server cannot serve just now (its database is out of reach or held
 * by another writer, or too many passwords wait to be hashed); null for any other error.
 */
export function unavailableRefusal(error: unknown): HttpError | null {
  const unreachable = unreachableDatabaseCode(error);
  if (unreachable) {
    databaseOutage.refused(unreachable);
    return new HttpError(
      503,
      "Try again in a moment",
      "We cannot reach our database just now. Please try again in a few seconds.",
      {
        "retry-after": String(DATABASE_RETRY_AFTER_S),
      },
    );
  }
  const busy = busyDatabaseCode(error);
  if (busy) databaseBusy.refused(busy);
  if (busy || error instanceof Overloaded) {
    return new HttpError(503, "Try again in a moment", "We are busier than usual. Please try again in a few seconds.", {
      "retry-after": String(OVERLOAD_RETRY_AFTER_S),
    });
  }
  return null;
}

/**
 * A stderr line when a write found the database locked by another connection for longer than
 * it waits (SQLite's `busy_timeout`), at most one a minute, with how many were refused since.
 */
const databaseBusy = (() => {
  let lastLine = Number.NEGATIVE_INFINITY;
  let refused = 0;
  return {
    refused(code: string) {
      refused++;
      const now = performance.now();
      if (now - lastLine < REMINDER_INTERVAL_MS) return;
      console.error(
        `the database stayed locked by another connection past its busy timeout (${code}): ${plural(refused, "request")} answered 503`,
      );
      lastLine = now;
      refused = 0;
    },
  };
})();

/**
 * One stderr line when the database stops answering, one when it answers again (as /healthz
 * finds), and a reminder a minute in between: an outage is not a bug in each request it fails.
 * One per process, as stderr is.
 */
export const databaseOutage = (() => {
  let since: number | null = null;
  let lastLine = 0;
  let refused = 0;
  return {
    /** A request refused because of it; `code` is the driver's. */
    refused(code: string) {
      refused++;
      const now = performance.now();
      if (since !== null && now - lastLine < REMINDER_INTERVAL_MS) return;
      console.error(
        since === null
          ? `the database is unreachable (${code}): answering 503 until it answers`
          : `the database is still unreachable (${code}): ${refused} requests answered 503 so far`,
      );
      since ??= now;
      lastLine = now;
    },
    answered() {
      if (since === null) return;
      const seconds = ((performance.now() - since) / 1000).toFixed(1);
      console.error(`the database answers again, after ${seconds} s; ${refused} requests were answered 503`);
      since = null;
      refused = 0;
    },
  };
})();
