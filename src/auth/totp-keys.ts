import { and, eq, isNull } from "drizzle-orm";
import type { Database } from "../db/database";
import type { User } from "../db/tables";
import type { SecretBox } from "./encryption";
import { newTotpSecret } from "./totp";

/** Users' TOTP keys, sealed at rest with the user's id bound in: a key copied onto another row does not open. */
export function totpKeyStore({ orm, tables: { users } }: Database, box: SecretBox) {
  const context = (user: User) => `user:${user.id}`;
  const open = (user: User, sealed: string) => box.open(sealed, context(user));

  return {
    open,

    /** A fresh key sealed for this user, to be kept until it is confirmed. */
    sealNew: (user: User): string => box.seal(newTotpSecret(), context(user)),

    /** The user's key, or null before enrollment started. */
    current: (user: User): string | null => (user.totpSecret ? open(user, user.totpSecret) : null),

    /** The user's key, made now if enrollment has not started. Two tabs starting at once get one key. */
    async forEnrollment(user: User): Promise<string> {
      if (user.totpSecret) return open(user, user.totpSecret);
      await orm
        .update(users)
        .set({ totpSecret: box.seal(newTotpSecret(), context(user)) })
        .where(and(eq(users.id, user.id), isNull(users.totpSecret)));
      const [fresh] = await orm.select({ totpSecret: users.totpSecret }).from(users).where(eq(users.id, user.id));
      if (!fresh?.totpSecret) throw new Error(`user ${user.id} vanished during enrollment`);
      return open(user, fresh.totpSecret);
    },

    /**
     * Swaps in a confirmed new key, in one write that only succeeds while the key is still
     * the one `user` holds: of two confirmations racing, one wins. `step` is the confirming code's.
     */
    async replace(user: User, newSealed: string, step: number): Promise<boolean> {
      if (!user.totpSecret) return false;
      const updated = await orm
        .update(users)
        .set({ totpSecret: newSealed, totpLastStep: step })
        .where(and(eq(users.id, user.id), eq(users.totpSecret, user.totpSecret)))
        .returning({ id: users.id });
      return updated.length === 1;
    },
  };
}
