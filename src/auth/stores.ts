import type { Clock } from "../clock";
import type { Db } from "../db/client";
import { secretBox } from "./encryption";
import { eventLog } from "./events";
import { recoveryCodeCounts, recoveryCodeStore } from "./recovery-codes";
import { type SessionLifetime, sessionStore } from "./sessions";
import { throttleStore } from "./throttle";
import { totpKeyStore } from "./totp-keys";
import { trustedBrowserStore } from "./trusted-browsers";
import { usernameKey, userStore } from "./users";

/** The stores that need no APP_SECRET: enough for an operator's command line. */
export function keylessStores(db: Db, clock: Clock, sessionLifetime: SessionLifetime) {
  return {
    clock,
    users: userStore(db, clock),
    sessions: sessionStore(db, clock, sessionLifetime),
    throttle: throttleStore(db, clock),
    trustedBrowsers: trustedBrowserStore(db, clock),
    events: eventLog(db, clock),
    recoveryCodes: recoveryCodeCounts(db),
  };
}

/** Every store the web flows use, including those keyed by APP_SECRET. */
export function createStores(db: Db, clock: Clock, sessionLifetime: SessionLifetime, appSecret: string) {
  return {
    ...keylessStores(db, clock, sessionLifetime),
    totpKeys: totpKeyStore(db, secretBox(appSecret)),
    recoveryCodes: recoveryCodeStore(db, clock, appSecret),
  };
}

export type Stores = ReturnType<typeof createStores>;
export type KeylessStores = ReturnType<typeof keylessStores>;

/** Throttle keys: a password's is the name typed, so names with and without an account lock alike. */
export const passwordKey = (username: string) => `password:${usernameKey(username)}`;
export const codeKey = (userId: number) => `code:${userId}`;
