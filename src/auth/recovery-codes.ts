import { and, eq, isNull } from "drizzle-orm";
import type { Clock } from "../clock";
import type { Database, Orm } from "../db/database";
import { deriveKey, hmacBase64url } from "./crypto";

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

/** The part of the store that needs no key: counting and deleting a user's codes. */
export function recoveryCodeCounts({ orm, reads, tables: { recoveryCodes } }: Database) {
  /** The delete of every code of the user, on `on`: the database or a transaction. */
  const deleteAllOn = (on: Orm, userId: number) => on.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId));

  return {
    // Asked on every home page: one of the database's hot reads.
    remaining: (userId: number): Promise<number> => reads.unusedRecoveryCodes(userId),

    deleteAllOn,

    async deleteAll(userId: number): Promise<void> {
      await deleteAllOn(orm, userId);
    },
  };
}

export function recoveryCodeStore(database: Database, clock: Clock, appSecret: string) {
  const {
    orm,
    tables: { recoveryCodes, users },
  } = database;
  const key = deriveKey(appSecret, "recovery-codes");
  const hash = (symbols: string) => hmacBase64url(key, symbols);
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
        (transaction) =>
          transaction
            .update(users)
            .set({ recoveryCodesMadeAt: clock() })
            .where(eq(users.id, userId))
            .returning({ id: users.id }),
        (transaction) => ({
          old: counts.deleteAllOn(transaction, userId),
          new: transaction
            .insert(recoveryCodes)
            .values(codes.map((code) => ({ userId, codeHash: hash(code.replace("-", "")) }))),
        }),
      );
      return codes;
    },

    /** Spends a code in one conditional write, so two requests cannot both spend it. The codes left, or null. */
    async use(userId: number, symbols: string): Promise<number | null> {
      const spent = await orm
        .update(recoveryCodes)
        .set({ usedAt: clock() })
        .where(
          and(
            eq(recoveryCodes.userId, userId),
            eq(recoveryCodes.codeHash, hash(symbols)),
            isNull(recoveryCodes.usedAt),
          ),
        )
        .returning({ id: recoveryCodes.id });
      return spent.length === 1 ? counts.remaining(userId) : null;
    },
  };
}
