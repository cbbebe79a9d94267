import { readFileSync } from "node:fs";
import { join } from "node:path";
import { projectFolder } from "../../files";

/** Words in little memory: the text of them all, and where each one starts, not an array of strings. */
export type SortedWords = { text: string; starts: Uint32Array };

/** `text` holds the words sorted, each ended by a newline. */
export function sortedWords(text: string): SortedWords {
  const starts = [0];
  for (let end = text.indexOf("\n"); end !== -1; end = text.indexOf("\n", end + 1)) starts.push(end + 1);
  return { text, starts: Uint32Array.from(starts) };
}

/** Whether `word` is one of the words, exactly: a search by halves, in the order they were sorted in. */
export function includesWord({ text, starts }: SortedWords, word: string): boolean {
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const middle = (low + high) >>> 1;
    const entry = text.slice(starts[middle], (starts[middle + 1] ?? 0) - 1);
    if (entry === word) return true;
    if (entry < word) low = middle + 1;
    else high = middle;
  }
  return false;
}

/** Where `bun run passwords:generate` writes the list, and where the server reads it. */
export const COMMON_PASSWORDS_FILE = join(projectFolder, "src/auth/factors/common-passwords.txt");

/**
 * The common passwords of @zxcvbn-ts/language-common, as `bun run passwords:generate` listed
 * them. Read at each use: only choosing a password needs them, and kept they would raise the heap's peak.
 */
export function commonPasswords(): SortedWords {
  return sortedWords(readFileSync(COMMON_PASSWORDS_FILE, "utf8"));
}
