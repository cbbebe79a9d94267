import { expect, test } from "bun:test";
import { DUMMY_HASH, hashPassword } from "../src/auth/factors/passwords";

const parameters = (hash: string) => hash.split("$").slice(1, 4).join("$");

test("passwords are hashed with argon2id at OWASP's m = 7 MiB, t = 5, p = 1", async () => {
  expect(parameters(await hashPassword("correct horse battery staple"))).toBe("argon2id$v=19$m=7168,t=5,p=1");
});

test("the dummy hash for unknown names has the same parameters, so both failures cost the same", async () => {
  expect(parameters(DUMMY_HASH)).toBe(parameters(await hashPassword("anything")));
});
