import { describe, expect, test } from "bun:test";
import { dictionary } from "@zxcvbn-ts/language-common";
import { commonPasswords, compactWords, includesWord } from "../src/auth/common-passwords";

const library = dictionary["passwords-common"];

describe("the compact common-password list", () => {
  test("holds every password of the library's list, as loaded in its worker", async () => {
    const list = await commonPasswords();
    expect(library.length).toBeGreaterThan(40_000);
    expect(library.filter((password) => !includesWord(list, password))).toEqual([]);
    expect(list.starts.length - 1).toBe(new Set(library).size);
  });

  test("refuses nothing that is not on it: neighbours, prefixes and extensions of every entry", async () => {
    const list = await commonPasswords();
    const onList = new Set(library);
    const near = library.flatMap((password) => [
      password.slice(0, -1),
      `${password}!`,
      `!${password}`,
      `${password}\u0000`,
    ]);
    const wronglyRefused = near.filter((candidate) => !onList.has(candidate) && includesWord(list, candidate));
    expect(wronglyRefused).toEqual([]);
    expect(includesWord(list, "")).toBe(false);
  });

  test("is exact at both ends and with one word or none", () => {
    const words = compactWords(["m", "b", "y", "b"]);
    expect(["b", "m", "y"].map((word) => includesWord(words, word))).toEqual([true, true, true]);
    expect(["a", "c", "n", "z", "", "bm"].map((word) => includesWord(words, word))).toEqual(Array(6).fill(false));
    expect(includesWord(compactWords(["only"]), "only")).toBe(true);
    expect(includesWord(compactWords([]), "only")).toBe(false);
  });
});
