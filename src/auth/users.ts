import { and, eq, isNull, lt, or } from "drizzle-orm";
import type { Clock } from "../clock";
import type { Db } from "../db/client";
import { type User, users } from "../db/schema";
import type { SecretBox } from "./encryption";
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
export function usernameKey(username: string): string {
  return username.toLowerCase();
}

export function userStore(db: Db, clock: Clock, box: SecretBox) {
  const context = (userId: number) => `user:${userId}`;
  const openSecret = (user: User) => (user.totpSecret ? box.open(user.totpSecret, context(user.id)) : null);

  return {
    /** The new user, or null when the name is taken (also under a concurrent registration). */
    async create(username: string, passwordHash: string): Promise<User | null> {
      const [user] = await db
        .insert(users)
        .values({ username, usernameKey: usernameKey(username), passwordHash, createdAt: clock() })
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

    /** The user's TOTP key, or null before enrollment started. */
    totpSecret: openSecret,

    /** The user's TOTP key, made now if enrollment has not started. Two tabs starting at once get one key. */
    async enrollmentSecret(user: User): Promise<string> {
      const existing = openSecret(user);
      if (existing) return existing;
      await db
        .update(users)
        .set({ totpSecret: box.seal(newTotpSecret(), context(user.id)) })
        .where(and(eq(users.id, user.id), isNull(users.totpSecret)));
      const [fresh] = await db.select({ totpSecret: users.totpSecret }).from(users).where(eq(users.id, user.id));
      if (!fresh?.totpSecret) throw new Error(`user ${user.id} vanished during enrollment`);
      return box.open(fresh.totpSecret, context(user.id));
    },

    /**
     * Records a code's time step as used, in one conditional write: false when this step
     * or a later one was already accepted, which makes the code a replay.
     */
    async acceptTimeStep(userId: number, step: number): Promise<boolean> {
      const updated = await db
        .update(users)
        .set({ totpLastStep: step })
        .where(and(eq(users.id, userId), or(isNull(users.totpLastStep), lt(users.totpLastStep, step))))
        .returning({ id: users.id });
      return updated.length === 1;
    },

    async enableTwoFactor(userId: number): Promise<void> {
      await db
        .update(users)
        .set({ totpEnabledAt: clock() })
        .where(and(eq(users.id, userId), isNull(users.totpEnabledAt)));
    },
  };
}
