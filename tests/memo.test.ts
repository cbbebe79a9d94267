import { expect, test } from "bun:test";
import { rememberLately } from "../src/memo";

test("a remembered result is not computed again; one not worth keeping is, every time", () => {
  const computed: string[] = [];
  const verify = rememberLately(
    10,
    (input) => {
      computed.push(input);
      return input.startsWith("good") ? input.toUpperCase() : "forged";
    },
    (result) => result !== "forged",
  );
  expect([verify("good.1"), verify("good.1"), verify("bad.1"), verify("bad.1")]).toEqual([
    "GOOD.1",
    "GOOD.1",
    "forged",
    "forged",
  ]);
  expect(computed).toEqual(["good.1", "bad.1", "bad.1"]);
});

test("the memory is bounded: past `max` inputs it starts again instead of growing", () => {
  const computed: string[] = [];
  const twice = rememberLately(3, (input) => {
    computed.push(input);
    return input + input;
  });
  for (const input of ["a", "b", "c", "d", "a"]) twice(input);
  // "d" found it full and cleared it, so "a" was computed again.
  expect(computed).toEqual(["a", "b", "c", "d", "a"]);
});
