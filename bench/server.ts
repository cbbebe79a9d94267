// The app as `bun run start` runs it, except that failures never lock: the benchmark measures
// the wrong-code path itself (each failure still counted in the database), not a locked account's 429;
// and with one host handler behind `signedIn` and beside it unguarded, to measure the guard.

import { start } from "../src/demo/start";
import { DEFAULT_POLICIES } from "../src/index";

const NEVER = 1_000_000_000;
await start("production", {
  policies: {
    ...DEFAULT_POLICIES,
    codeLockout: { ...DEFAULT_POLICIES.codeLockout, freeFailures: NEVER },
    passwordLockout: { ...DEFAULT_POLICIES.passwordLockout, freeFailures: NEVER },
  },
  guardBenchmark: true,
});
