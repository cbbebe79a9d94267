import { dictionary } from "@zxcvbn-ts/language-common";

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;

const commonPasswords = new Set(dictionary["passwords-common"]);

/** Why this password may not be chosen, or null when it is fine. */
export function passwordProblem(password: string, username: string): string | null {
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) return `Use at least ${PASSWORD_MIN_LENGTH} characters.`;
  if (length > PASSWORD_MAX_LENGTH) return `Use at most ${PASSWORD_MAX_LENGTH} characters.`;
  if (commonPasswords.has(password.toLowerCase())) {
    return "This password is on a list of common passwords that attackers try first. Choose another.";
  }
  if (password.toLowerCase() === username.toLowerCase()) return "Your password must not be your username.";
  return null;
}

// NFKC, as NIST SP 800-63B asks: "é" typed as one character or as e + accent is one password.
export function hashPassword(password: string): Promise<string> {
  return Bun.password.hash(password.normalize("NFKC"), "argon2id");
}

export function verifyPassword(password: string, hash: string): Promise<boolean> {
  return Bun.password.verify(password.normalize("NFKC"), hash);
}

// Verified against when the username is unknown, so that both failures cost the same time.
const dummyHash = hashPassword(crypto.randomUUID());
export async function verifyAgainstDummy(password: string): Promise<false> {
  await verifyPassword(password, await dummyHash);
  return false;
}
