import type { Clock } from "../../clock";
import type { Database } from "../../db/database";
import type { User } from "../../db/tables";
import { secretBox } from "../encryption";
import { recoveryCodeCounts, recoveryCodeStore } from "../factors/recovery-codes";
import { totpKeyStore } from "../factors/totp-keys";
import { trustedBrowserStore } from "../factors/trusted-browsers";
import { webauthnStore } from "../factors/webauthn-credentials";
import { DEFAULT_POLICIES } from "../policies";
import { type EventListener, eventLog } from "./events";
import { type SessionLifetime, sessionStore } from "./sessions";
import { throttleStore } from "./throttle";
import { usernameKey, userStore } from "./users";

/** The stores that need no APP_SECRET: enough for an operator's command line. */
export function keylessStores(
  database: Database,
  clock: Clock,
  sessionLifetime: SessionLifetime,
  trustedBrowserDays = DEFAULT_POLICIES.trustedBrowserDays,
  onEvent?: EventListener,
) {
  return {
    clock,
    users: userStore(database, clock),
    sessions: sessionStore(database, clock, sessionLifetime),
    throttle: throttleStore(database, clock),
    trustedBrowsers: trustedBrowserStore(database, clock, trustedBrowserDays),
    events: eventLog(database, clock, onEvent),
    recoveryCodes: recoveryCodeCounts(database),
    webauthn: webauthnStore(database, clock),
  };
}

/** Every store the web flows use, including those keyed by APP_SECRET. */
export function createStores(
  database: Database,
  clock: Clock,
  sessionLifetime: SessionLifetime,
  appSecret: string,
  trustedBrowserDays = DEFAULT_POLICIES.trustedBrowserDays,
  onEvent?: EventListener,
) {
  return {
    ...keylessStores(database, clock, sessionLifetime, trustedBrowserDays, onEvent),
    totpKeys: totpKeyStore(database, secretBox(appSecret), clock),
    recoveryCodes: recoveryCodeStore(database, clock, appSecret),
  };
}

export type Stores = ReturnType<typeof createStores>;
export type KeylessStores = ReturnType<typeof keylessStores>;

/** Throttle keys: a password's is the name typed, so names with and without an account lock alike. */
export const passwordKey = (username: string) => `password:${usernameKey(username)}`;
export const codeKey = (userId: number) => `code:${userId}`;
/** Every throttle key of an account: its password's (by its own name) and its second factor's. */
export const throttleKeysOf = (user: Pick<User, "id" | "username">) => [passwordKey(user.username), codeKey(user.id)];
