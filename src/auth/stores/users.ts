import { and, eq, inArray, isNull, lt, or } from "drizzle-orm";
import type { Clock } from "../../clock";
import { type Claim, type Database, type Orm, type Statements, type Written, writeWithClaim } from "../../db/database";
import type { User } from "../../db/tables";
import type { Reason } from "../outcomes";

export const USERNAME_MIN_LENGTH = 3;
export const USERNAME_MAX_LENGTH = 32;
export const USERNAME_PATTERN = `[A-Za-z0-9_.\\-]{${USERNAME_MIN_LENGTH},${USERNAME_MAX_LENGTH}}`;
const usernameRegex = new RegExp(`^${USERNAME_PATTERN}$`);

/** Why this username may not be chosen, or null when it is fine. */
export function usernameProblem(username: string): Reason | null {
  if (username.length < USERNAME_MIN_LENGTH) return "username_too_short";
  if (username.length > USERNAME_MAX_LENGTH) return "username_too_long";
  if (!usernameRegex.test(username)) return "username_bad_characters";
  return null;
}

/** The key that makes `Alice` and `alice` one account. */
export function usernameKey(username: string): string {
  return username.toLowerCase();
}

/** Accounts. Nothing here needs APP_SECRET: the TOTP key at rest is totp-keys.ts's business. */
export function userStore(database: Database, clock: Clock) {
  const {
    orm,
    tables: { users, sessions, webauthnChallenges, throttles },
  } = database;
  return {
    /**
     * The new user, or null when the name is taken (also under a concurrent registration).
     * The statements `alongside` makes for the new user are written in the same transaction.
     */
    async create(
      username: string,
      passwordHash: string,
      alongside: (transaction: Orm, user: User) => Statements,
    ): Promise<User | null> {
      const {
        first: [user],
      } = await database.atomically(
        (transaction) =>
          transaction
            .insert(users)
            .values({ username, usernameKey: usernameKey(username), passwordHash, createdAt: clock() })
            .onConflictDoNothing({ target: users.usernameKey })
            .returning(),
        (transaction, [created]): Statements => (created ? alongside(transaction, created) : {}),
      );
      return user ?? null;
    },

    async findByUsername(username: string): Promise<User | null> {
      const [user] = await orm
        .select()
        .from(users)
        .where(eq(users.usernameKey, usernameKey(username)));
      return user ?? null;
    },

    list: (): Promise<User[]> => orm.select().from(users).orderBy(users.usernameKey),

    /**
     * Records a code's time step as used, in one conditional write: false when this step
     * or a later one was already accepted, which makes the code a replay. With `claim`, the
     * step stands only if the claim does ("unclaimed" when it lost).
     */
    acceptTimeStep(userId: number, step: number, claim?: Claim): Promise<boolean | "unclaimed"> {
      return writeWithClaim(
        database,
        (on) =>
          on
            .update(users)
            .set({ totpLastStep: step })
            .where(and(eq(users.id, userId), or(isNull(users.totpLastStep), lt(users.totpLastStep, step))))
            .returning({ id: users.id }),
        claim,
      );
    },

    async findById(userId: number): Promise<User | null> {
      const [user] = await orm.select().from(users).where(eq(users.id, userId));
      return user ?? null;
    },

    /** 2FA on, by its first factor: the app (whose key is then linked too), or a passkey or security key. */
    async enableTwoFactor(userId: number, by: "app" | "webauthn"): Promise<void> {
      const now = clock();
      await orm
        .update(users)
        .set(by === "app" ? { twoFactorEnabledAt: now, totpEnabledAt: now } : { twoFactorEnabledAt: now })
        .where(and(eq(users.id, userId), isNull(users.twoFactorEnabledAt)));
    },

    /** 2FA off and the app's key gone: the next sign-in enrolls again. */
    async turnOffTwoFactor(userId: number): Promise<void> {
      await orm
        .update(users)
        .set({
          totpSecret: null,
          totpEnabledAt: null,
          totpLastStep: null,
          twoFactorEnabledAt: null,
          recoveryCodesMadeAt: null,
        })
        .where(eq(users.id, userId));
    },

    /**
     * Sets a new password hash, which also lifts a need for one, and in the same transaction what
     * `alongside` makes; resolves to its rows.
     */
    async setPasswordHash<Then extends Statements>(
      userId: number,
      passwordHash: string,
      alongside: (transaction: Orm) => Then,
    ): Promise<Written<Then>> {
      const written = await database.atomically(
        (transaction) =>
          transaction
            .update(users)
            .set({ passwordHash, newPasswordRequiredAt: null })
            .where(eq(users.id, userId))
            .returning({ id: users.id }),
        (transaction) => alongside(transaction),
      );
      return written.followed;
    },

    /** The passkey offer: asked again after `until`, or (null) never again. */
    async putOffPasskeyOffer(userId: number, until: number | null): Promise<void> {
      await orm
        .update(users)
        .set(until === null ? { passkeyOfferDeclined: true } : { passkeyOfferSnoozedUntil: until })
        .where(eq(users.id, userId));
    },

    /** Where notices go from now, once confirmed: a new address waits for its link. */
    async setNoticeEmail(userId: number, email: string | null): Promise<void> {
      await orm.update(users).set({ noticeEmail: email, noticeEmailConfirmedAt: null }).where(eq(users.id, userId));
    },

    /** Confirms the address, if it is still the one the link was sent to and not confirmed yet. */
    async confirmNoticeEmail(userId: number, email: string): Promise<boolean> {
      const confirmed = await orm
        .update(users)
        .set({ noticeEmailConfirmedAt: clock() })
        .where(and(eq(users.id, userId), eq(users.noticeEmail, email), isNull(users.noticeEmailConfirmedAt)))
        .returning({ id: users.id });
      return confirmed.length > 0;
    },

    /** The password stands for nothing until a new one is set: its owner disowned the change that made it. */
    async requireNewPassword(userId: number): Promise<void> {
      await orm.update(users).set({ newPasswordRequiredAt: clock() }).where(eq(users.id, userId));
    },

    /** The app's key gone, 2FA staying on by the passkeys and security keys the caller made sure of. */
    async unlinkApp(userId: number): Promise<void> {
      await orm
        .update(users)
        .set({ totpSecret: null, totpEnabledAt: null, totpLastStep: null })
        .where(eq(users.id, userId));
    },

    /**
     * Deletes the account and every row of it in one transaction: the WebAuthn challenges its
     * sessions were given and the throttles keyed by it (`throttleKeys`), then the user, which
     * takes along every table that names it (sessions, codes, keys, trusted browsers, the log).
     * False when it was gone already.
     */
    async deleteWithEverything(userId: number, throttleKeys: string[]): Promise<boolean> {
      const { followed } = await database.atomically(
        (transaction) =>
          transaction
            .delete(webauthnChallenges)
            .where(
              inArray(
                webauthnChallenges.owner,
                transaction.select({ id: sessions.id }).from(sessions).where(eq(sessions.userId, userId)),
              ),
            )
            .returning({ challenge: webauthnChallenges.challenge }),
        (transaction) => ({
          throttles: transaction.delete(throttles).where(inArray(throttles.key, throttleKeys)),
          user: transaction.delete(users).where(eq(users.id, userId)).returning({ id: users.id }),
        }),
      );
      return followed.user.length > 0;
    },
  };
}
