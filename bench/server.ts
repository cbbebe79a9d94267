// The app as `bun run start` runs it, except that failures never lock: the benchmark measures
// the wrong-code path itself (each failure still counted in the database), not a locked account's 429.
import { CODE_POLICY, PASSWORD_POLICY } from "../src/auth/throttle";
import { start } from "../src/start";

const NEVER = 1_000_000_000;
await start("production", {
  throttlePolicies: {
    code: { ...CODE_POLICY, freeFailures: NEVER },
    password: { ...PASSWORD_POLICY, freeFailures: NEVER },
  },
});
