import { type KeylessStores, throttleKeysOf } from "../stores";
import type { RequestMeta } from "../stores/events";

/** How operator actions appear in a user's security log. */
const operator: RequestMeta = { ip: null, userAgent: "admin command line" };

export type UserSummary = {
  username: string;
  twoFactor: "on" | "enrolling" | "off";
  /** The later of the password and code lockouts, or null when neither holds. */
  lockedUntil: number | null;
  sessions: number;
  recoveryCodes: number;
  /** When the current recovery codes were made, or null before 2FA is on. */
  recoveryCodesMadeAt: number | null;
};

/** What an operator may do for a user who cannot help themselves. Needs the database, not APP_SECRET. */
export function adminTasks({
  users,
  sessions,
  throttle,
  trustedBrowsers,
  recoveryCodes,
  webauthn,
  events,
}: KeylessStores) {
  return {
    async listUsers(): Promise<UserSummary[]> {
      const summaries: UserSummary[] = [];
      for (const user of await users.list()) {
        const locks: number[] = [];
        for (const key of throttleKeysOf(user)) {
          const until = await throttle.lockedUntil(key);
          if (until !== null) locks.push(until);
        }
        summaries.push({
          username: user.username,
          twoFactor: user.twoFactorEnabledAt ? "on" : user.totpSecret ? "enrolling" : "off",
          lockedUntil: locks.length > 0 ? Math.max(...locks) : null,
          sessions: (await sessions.list(user.id)).length,
          recoveryCodes: await recoveryCodes.remaining(user.id),
          recoveryCodesMadeAt: user.recoveryCodesMadeAt,
        });
      }
      return summaries;
    },

    /**
     * 2FA off, the app's key, every passkey and security key and the recovery codes gone,
     * every session and trusted browser ended. Null for an unknown user.
     */
    async resetTwoFactor(username: string): Promise<{ sessions: number; trustedBrowsers: number } | null> {
      const user = await users.findByUsername(username);
      if (!user) return null;
      await users.turnOffTwoFactor(user.id);
      await recoveryCodes.deleteAll(user.id);
      await webauthn.deleteAll(user.id);
      const ended = {
        sessions: await sessions.revokeAll(user.id, null),
        trustedBrowsers: await trustedBrowsers.revokeAll(user.id),
      };
      await events.record("admin_reset_2fa", user.id, operator, ended);
      return ended;
    },

    /** Lifts the password and code lockouts and forgets their failure counts. False for an unknown user. */
    async unlock(username: string): Promise<boolean> {
      const user = await users.findByUsername(username);
      if (!user) return false;
      for (const key of throttleKeysOf(user)) await throttle.reset(key);
      await events.record("admin_unlocked", user.id, operator);
      return true;
    },

    /**
     * Deletes the account and every row of it, as the person's own deletion does; the host's
     * data is the host's to delete. False for an unknown user.
     */
    async deleteUser(username: string): Promise<boolean> {
      const user = await users.findByUsername(username);
      if (!user) return false;
      return users.deleteWithEverything(user.id, throttleKeysOf(user));
    },

    /** Ends every session of the user: how many, or null for an unknown user. */
    async revokeSessions(username: string): Promise<number | null> {
      const user = await users.findByUsername(username);
      if (!user) return null;
      const ended = await sessions.revokeAll(user.id, null);
      await events.record("admin_revoked_sessions", user.id, operator, { sessions: ended });
      return ended;
    },
  };
}
