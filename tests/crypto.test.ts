import { expect, test } from "bun:test";
import { randomToken } from "../src/auth/crypto";

test("random tokens are 32 bytes of base64url, and no two alike, nor any two halves", () => {
  const tokens = Array.from({ length: 20_000 }, () => randomToken());
  for (const token of tokens) expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(new Set(tokens).size).toBe(tokens.length);
  const halves = tokens.flatMap((token) => [token.slice(0, 21), token.slice(22)]);
  expect(new Set(halves).size).toBe(halves.length);
});

test("tokens of other sizes are as long as asked", () => {
  expect(Buffer.from(randomToken(16), "base64url")).toHaveLength(16);
  expect(Buffer.from(randomToken(64), "base64url")).toHaveLength(64);
});
