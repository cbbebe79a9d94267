import { and, eq, isNull, sql } from "drizzle-orm";
import type { Clock } from "../../clock";
import type { Database, Orm, Statements, Written } from "../../db/database";
import type { User } from "../../db/tables";
import type { SecretBox } from "../encryption";
import { newTotpSecret } from "./totp";

/**
 * A sealed TOTP key that does not open: the secret is not the one it was sealed with, or the row
 * was altered. No code of that key can be checked until the operator puts the secret back.
 */
export class UnreadableKey extends Error {
  constructor() {
    super("a sealed TOTP key did not open");
  }
}

/** Users' TOTP keys, sealed at rest with the user's id bound in: a key copied onto another row does not open. */
export function totpKeyStore(database: Database, box: SecretBox, clock: Clock) {
  const {
    orm,
    tables: { users },
  } = database;
  const context = (user: User) => `user:${user.id}`;
  const open = (user: User, sealed: string) => {
    try {
      return box.open(sealed, context(user));
    } catch {
      throw new UnreadableKey();
    }
  };

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
     * The winner's transaction also runs what `alongside` makes; resolves to its rows, or null for the loser.
     */
    async replace<Then extends Statements>(
      user: User,
      newSealed: string,
      step: number,
      alongside: (transaction: Orm) => Then,
    ): Promise<Written<Then> | null> {
      const oldSealed = user.totpSecret;
      const written = await database.atomically(
        (transaction) =>
          transaction
            .update(users)
            // An account with only passkeys links its first app here.
            .set({
              totpSecret: newSealed,
              totpLastStep: step,
              totpEnabledAt: sql`coalesce(${users.totpEnabledAt}, ${clock()})`,
            })
            .where(and(eq(users.id, user.id), oldSealed ? eq(users.totpSecret, oldSealed) : isNull(users.totpSecret)))
            .returning({ id: users.id }),
        // The loser writes nothing more, and gets null below, never these rows.
        (transaction, swapped) => (swapped.length === 1 ? alongside(transaction) : ({} as Then)),
      );
      return written.first.length === 1 ? written.followed : null;
    },
  };
}
