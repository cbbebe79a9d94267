import { describe, expect, test } from "bun:test";
import { dictionary } from "@zxcvbn-ts/language-common";
import {
  includesWord,
  commonPasswords as readCommonPasswords,
  sortedWords,
} from "../src/auth/factors/common-passwords";

const commonPasswords = readCommonPasswords();

const library = dictionary["passwords-common"];
const words = (list: string[]) => sortedWords(list.map((word) => `${word}\n`).join(""));

describe("the listed common passwords", () => {
  test("are the library's, every one: after an upgrade of it, run `bun run passwords:generate`", () => {
    expect(library.length).toBeGreaterThan(40_000);
    expect(library.filter((password) => !includesWord(commonPasswords, password))).toEqual([]);
    expect(commonPasswords.starts.length - 1).toBe(new Set(library).size);
  });

  test("refuse nothing else: neighbours, prefixes and extensions of every one", () => {
    const onList = new Set(library);
    const near = library.flatMap((password) => [
      password.slice(0, -1),
      `${password}!`,
      `!${password}`,
      `${password}\n`,
    ]);
    const wronglyRefused = near.filter(
      (candidate) => !onList.has(candidate) && includesWord(commonPasswords, candidate),
    );
    expect(wronglyRefused).toEqual([]);
    expect(includesWord(commonPasswords, "")).toBe(false);
  });

  test("a search by halves is exact at both ends, and with one word or none", () => {
    const list = words(["b", "m", "y"]);
    expect(["b", "m", "y"].map((word) => includesWord(list, word))).toEqual([true, true, true]);
    expect(["a", "c", "n", "z", "", "bm"].map((word) => includesWord(list, word))).toEqual(Array(6).fill(false));
    expect(includesWord(words(["only"]), "only")).toBe(true);
    expect(includesWord(words([]), "only")).toBe(false);
  });
});
