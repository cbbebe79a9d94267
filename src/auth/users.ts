import { and, eq, isNull } from "drizzle-orm";
import type { Clock } from "../clock";
import type { Db } from "../db/client";
import { type User, users } from "../db/schema";
import { newTotpSecret } from "./totp";

export const USERNAME_PATTERN = "[A-Za-z0-9_.\\-]{3,32}";
const usernameRegex = new RegExp(`^${USERNAME_PATTERN}$`);

/** Why this username may not be chosen, or null when it is fine. */
export function usernameProblem(username: string): string | null {
  if (username.length < 3) return "Use at least 3 characters.";
  if (username.length > 32) return "Use at most 32 characters.";
  if (!usernameRegex.test(username)) return "Use only letters, digits, and _ . -";
  return null;
}

/** The key that makes `Alice` and `alice` one account. */
function usernameKey(username: string): string {
  return username.toLowerCase();
}

export function userStore(db: Db, clock: Clock) {
  return {
    /** The new user, or null when the name is taken (also under a concurrent registration). */
    async create(username: string, passwordHash: string): Promise<User | null> {
      const [user] = await db
        .insert(users)
        .values({ username, usernameKey: usernameKey(username), passwordHash, createdAt: new Date(clock()) })
        .onConflictDoNothing({ target: users.usernameKey })
        .returning();
      return user ?? null;
    },

    async findByUsername(username: string): Promise<User | null> {
      const [user] = await db
        .select()
        .from(users)
        .where(eq(users.usernameKey, usernameKey(username)));
      return user ?? null;
    },

    /** The user's TOTP key, made now if enrollment has not started. Two tabs starting at once get one key. */
    async enrollmentSecret(user: User): Promise<string> {
      if (user.totpSecret) return user.totpSecret;
      await db
        .update(users)
        .set({ totpSecret: newTotpSecret() })
        .where(and(eq(users.id, user.id), isNull(users.totpSecret)));
      const [fresh] = await db.select({ totpSecret: users.totpSecret }).from(users).where(eq(users.id, user.id));
      if (!fresh?.totpSecret) throw new Error(`user ${user.id} vanished during enrollment`);
      return fresh.totpSecret;
    },

    async enableTwoFactor(userId: number): Promise<void> {
      await db
        .update(users)
        .set({ totpEnabledAt: new Date(clock()) })
        .where(and(eq(users.id, userId), isNull(users.totpEnabledAt)));
    },
  };
}
