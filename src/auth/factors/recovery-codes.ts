import { and, count, eq, isNull, sql } from "drizzle-orm";
import type { Clock } from "../../clock";
import type { Claim, Database, Orm } from "../../db/database";
import { deriveKey, keyedHmac } from "../crypto";

// Crockford's base32: digits and lowercase letters without i, l, o and u, so nothing
// reads as something else. 32 symbols = 5 bits each; 10 symbols = 50 bits a code.
const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";
const CODE_LENGTH = 10;
export const RECOVERY_CODE_COUNT = 10;

/** A new code as `xxxxx-xxxxx`, from the CSPRNG without bias (32 divides 256). */
function newRecoveryCode(): string {
  const symbols = Array.from(crypto.getRandomValues(new Uint8Array(CODE_LENGTH)), (byte) => ALPHABET[byte % 32]);
  return `${symbols.slice(0, 5).join("")}-${symbols.slice(5).join("")}`;
}

/**
 * What a person typed as the code's 10 symbols, or null: any case, with or without
 * the dash or spaces, and with the look-alikes i, l (→ 1) and o (→ 0) forgiven.
 */
export function normalizeRecoveryCode(input: string): string | null {
  const symbols = input.toLowerCase().replace(/[\s-]/g, "").replace(/[il]/g, "1").replace(/o/g, "0");
  return symbols.length === CODE_LENGTH && [...symbols].every((symbol) => ALPHABET.includes(symbol)) ? symbols : null;
}

/**
 * The part of the store that needs no key: counting and deleting a user's codes.
 *
 * `users.recovery_codes_left` repeats the count for the home page. Every write of a user's
 * codes first writes the user's row, in the same transaction: on PostgreSQL its lock makes
 * writers of one user's codes queue, so the count each one sets is exact.
 */
export function recoveryCodeCounts(database: Database) {
  const {
    orm,
    tables: { recoveryCodes, users },
  } = database;
  /** The delete of every code of the user, on `on`: the database or a transaction. */
  const deleteAllOn = (on: Orm, userId: number) => on.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId));
  /** The user's row, with the count set to `left`: the first write of any change to the codes. */
  const setLeftOn = (on: Orm, userId: number, left: number | ReturnType<typeof sql>, also = {}) =>
    on
      .update(users)
      .set({ recoveryCodesLeft: left, ...also })
      .where(eq(users.id, userId))
      .returning({ left: users.recoveryCodesLeft });

  // Asked on every account page: prepared once.
  const unused = orm
    .select({ left: count() })
    .from(recoveryCodes)
    .where(and(eq(recoveryCodes.userId, sql.placeholder("userId")), isNull(recoveryCodes.usedAt)))
    .prepare("unused_recovery_codes");

  return {
    /** The codes left, counted from the codes themselves. */
    async remaining(userId: number): Promise<number> {
      const [row] = await database.readSoon(unused, { userId });
      return row?.left ?? 0;
    },

    deleteAllOn,
    setLeftOn,

    async deleteAll(userId: number): Promise<void> {
      await database.atomically(
        (transaction) => setLeftOn(transaction, userId, 0),
        (transaction) => ({ deleted: deleteAllOn(transaction, userId) }),
      );
    },
  };
}

export function recoveryCodeStore(database: Database, clock: Clock, appSecret: string) {
  const { recoveryCodes, users } = database.tables;
  const key = deriveKey(appSecret, "recovery-codes");
  const hash = keyedHmac(key);
  const counts = recoveryCodeCounts(database);

  return {
    ...counts,

    /** Replaces every code of the user by new ones, and returns them: the only time they exist in plain text. */
    async replaceAll(userId: number): Promise<string[]> {
      const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
      // One transaction, so a crash cannot leave the user with no codes. It starts by writing the
      // user's row, whose lock makes a second replacement wait, then delete this one's codes:
      // two racing can never leave both sets, of which only one was ever shown.
      await database.atomically(
        (transaction) => counts.setLeftOn(transaction, userId, RECOVERY_CODE_COUNT, { recoveryCodesMadeAt: clock() }),
        (transaction) => ({
          old: counts.deleteAllOn(transaction, userId),
          new: transaction
            .insert(recoveryCodes)
            .values(codes.map((code) => ({ userId, codeHash: hash(code.replace("-", "")) }))),
        }),
      );
      return codes;
    },

    /**
     * Spends a code in one conditional write, so two requests cannot both spend it, in the
     * transaction that sets the count. The codes left, or null. With `claim`, the code is
     * spent only if the claim stands too: "unclaimed" when it lost, and the code is kept.
     */
    async use(userId: number, symbols: string, claim?: Claim): Promise<number | null | "unclaimed"> {
      const unused = and(eq(recoveryCodes.userId, userId), isNull(recoveryCodes.usedAt));
      const { followed, kept } = await database.atomically(
        // The user's row first, as every writer of the codes; the count is set once the code is spent.
        (transaction) => counts.setLeftOn(transaction, userId, sql`${users.recoveryCodesLeft}`),
        (transaction) => {
          const spending = {
            spent: transaction
              .update(recoveryCodes)
              .set({ usedAt: clock() })
              .where(and(unused, eq(recoveryCodes.codeHash, hash(symbols))))
              .returning({ id: recoveryCodes.id }),
            counted: counts.setLeftOn(
              transaction,
              userId,
              sql`(SELECT count(*) FROM ${recoveryCodes} WHERE ${unused})`,
            ),
          };
          return claim ? { ...spending, claimed: claim(transaction) } : spending;
        },
        ({ followed }) => followed.spent.length === 1 && (!("claimed" in followed) || followed.claimed.length > 0),
      );
      if (followed.spent.length !== 1) return null;
      return kept ? (followed.counted[0]?.left ?? 0) : "unclaimed";
    },
  };
}
