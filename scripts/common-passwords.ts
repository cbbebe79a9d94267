// bun run passwords:generate: writes src/auth/factors/common-passwords.txt, the common-password list of
// @zxcvbn-ts/language-common, unique and sorted, one a line. tests/common-passwords.test.ts
// fails when the two differ, as after an upgrade of the library.
import { writeFileSync } from "node:fs";
import { dictionary } from "@zxcvbn-ts/language-common";
import { COMMON_PASSWORDS_FILE } from "../src/auth/factors/common-passwords";

const passwords = [...new Set(dictionary["passwords-common"])].sort();
const unlistable = passwords.filter((password) => password === "" || password.includes("\n"));
if (unlistable.length > 0) throw new Error(`cannot list ${JSON.stringify(unlistable)} one a line`);
writeFileSync(COMMON_PASSWORDS_FILE, `${passwords.join("\n")}\n`);
console.info(`${passwords.length} common passwords written`);
