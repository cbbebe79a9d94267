import { availableParallelism } from "node:os";
import pLimit from "p-limit";
import type { Reason } from "../outcomes";
import { commonPasswords, includesWord } from "./common-passwords";

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;

/**
 * NFKC, as NIST SP 800-63B asks: "é" typed as one character or as e + accent is one password,
 * and so are "ｐａｓｓｗｏｒｄ" and "password". Every rule and every hash sees this form only.
 */
export function normalizePassword(password: string): string {
  return password.normalize("NFKC");
}

/** Why this password may not be chosen, or null when it is fine: judged on what is hashed. */
export function passwordProblem(password: string, username: string): Reason | null {
  const normalized = normalizePassword(password);
  const length = [...normalized].length;
  if (length < PASSWORD_MIN_LENGTH) return "password_too_short";
  if (length > PASSWORD_MAX_LENGTH) return "password_too_long";
  const lowerCase = normalized.toLowerCase();
  if (includesWord(commonPasswords(), lowerCase)) return "password_common";
  if (lowerCase === normalizePassword(username).toLowerCase()) return "password_is_username";
  return null;
}

/** Whether the two fields of a new password are one password, as the hash will see them. */
export function samePassword(password: string, confirm: string): boolean {
  return normalizePassword(password) === normalizePassword(confirm);
}

/**
 * argon2id at one of OWASP's equivalent baselines (m = 7 MiB, t = 5, p = 1): as costly to
 * guess against as m = 19 MiB, t = 2, with a third of the memory per sign-in.
 */
const ARGON2ID = { algorithm: "argon2id", memoryCost: 7_168, timeCost: 5 } as const;

/**
 * Bun hashes on its thread pool, off the event loop; at most this many at once leave the
 * event loop a core of its own, so pages stay fast while people sign in.
 */
const HASHING_WORKERS = Math.max(1, availableParallelism() - 1);
const hashing = pLimit(HASHING_WORKERS);

/**
 * The most hashes that may wait for a worker: about two seconds of work each (docs/operations.md).
 * Past it a request is refused at once, so an overloaded server sheds work nobody would wait for.
 */
export const MOST_WAITING_HASHES = 64 * HASHING_WORKERS;

/** Too many passwords are waiting to be hashed: try again in a moment. Nothing was done. */
export class Overloaded extends Error {
  override name = "Overloaded";
}

/** Refuses at once when the line of hashes is full; a flow that writes before hashing asks first. */
export function ensureHashingRoom(): void {
  if (hashing.pendingCount >= MOST_WAITING_HASHES) throw new Overloaded("too many passwords waiting to be hashed");
}

function hashed<T>(work: () => Promise<T>): Promise<T> {
  ensureHashingRoom();
  return hashing(work);
}

export function hashPassword(password: string): Promise<string> {
  return hashed(() => Bun.password.hash(normalizePassword(password), ARGON2ID));
}

export function verifyPassword(password: string, hash: string): Promise<boolean> {
  return hashed(() => Bun.password.verify(normalizePassword(password), hash));
}

/**
 * Verified against when the username is unknown, so that both failures cost the same time.
 * The hash of a random password nobody kept, with ARGON2ID's parameters (a test holds them in
 * step): only its cost matters, and having it ready spares every start a hash.
 */
export const DUMMY_HASH =
  "$argon2id$v=19$m=7168,t=5,p=1$qCOCtiWkIU8TcjGqU/94oxKn990ftktGspzNCi4eggg$2s9iWl5w3yr8Ld2YVdlGHr9XilRiXOSqNGC1d3Mzbfg";

export async function verifyAgainstDummy(password: string): Promise<false> {
  await verifyPassword(password, DUMMY_HASH);
  return false;
}
