import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

// Times are milliseconds since the epoch: plain integers that SQL can compare and add to.

export const users = sqliteTable("users", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  /** As the person typed it, for display. */
  username: text("username").notNull(),
  /** Lower-cased: `Alice` and `alice` are one account, enforced by the unique index. */
  usernameKey: text("username_key").notNull().unique(),
  passwordHash: text("password_hash").notNull(),
  /** The TOTP key, encrypted (see auth/encryption.ts); made when enrollment starts, null before. */
  totpSecret: text("totp_secret"),
  /** Set once a correct code proved the authenticator works; null means 2FA is not on yet. */
  totpEnabledAt: integer("totp_enabled_at"),
  /** The time step of the last accepted code: that code, and any older one, is refused. */
  totpLastStep: integer("totp_last_step"),
  createdAt: integer("created_at").notNull(),
});

export const sessions = sqliteTable(
  "sessions",
  {
    /** SHA-256 of the cookie's token, hex: a database dump holds no usable session. */
    id: text("id").primaryKey(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    state: text("state", { enum: ["pending", "signed_in"] }).notNull(),
    createdAt: integer("created_at").notNull(),
    lastSeenAt: integer("last_seen_at").notNull(),
    /** Slides forward with use, never past the absolute limit from `createdAt`. */
    expiresAt: integer("expires_at").notNull(),
    ip: text("ip"),
    userAgent: text("user_agent"),
    /** Failed code attempts between the previous sign-in and this one, shown once signed in. */
    failedCodesBefore: integer("failed_codes_before").notNull().default(0),
    /** Signed in with a recovery code: home offers to reset the authenticator. */
    usedRecoveryCode: integer("used_recovery_code", { mode: "boolean" }).notNull().default(false),
    /**
     * A replacement TOTP key this session is enrolling, sealed like `users.totp_secret`. Kept
     * on the session, so it is confirmed by whoever proved the old factors, and dies with it.
     */
    newTotpSecret: text("new_totp_secret"),
    newTotpStartedAt: integer("new_totp_started_at"),
  },
  (table) => [index("sessions_user_id_idx").on(table.userId), index("sessions_expires_at_idx").on(table.expiresAt)],
);

/**
 * Failed attempts and lockouts, one row per thing guarded: a username's password, or
 * an account's second factor. In the database, so a restart or a second instance does not reset it.
 */
export const throttles = sqliteTable("throttles", {
  key: text("key").primaryKey(),
  failures: integer("failures").notNull(),
  lockedUntil: integer("locked_until"),
});

export const recoveryCodes = sqliteTable(
  "recovery_codes",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** HMAC-SHA-256 under a key derived from APP_SECRET: a dump alone cannot test guesses. */
    codeHash: text("code_hash").notNull(),
    usedAt: integer("used_at"),
  },
  (table) => [uniqueIndex("recovery_codes_user_hash_idx").on(table.userId, table.codeHash)],
);

/** Browsers where a correct code ticked "don't ask again": the cookie holds the token, this table its SHA-256. */
export const trustedBrowsers = sqliteTable(
  "trusted_browsers",
  {
    id: text("id").primaryKey(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: integer("created_at").notNull(),
    lastUsedAt: integer("last_used_at"),
    /** Fixed at creation: use does not extend it. */
    expiresAt: integer("expires_at").notNull(),
    ip: text("ip"),
    userAgent: text("user_agent"),
  },
  (table) => [index("trusted_browsers_user_id_idx").on(table.userId)],
);

export const securityEvents = sqliteTable(
  "security_events",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    /** Null for events about no known account, such as a failed sign-in under an unknown name. */
    userId: integer("user_id").references(() => users.id, { onDelete: "cascade" }),
    type: text("type", {
      enum: [
        "registered",
        "signed_in",
        "password_failed",
        "code_failed",
        "replay_refused",
        "locked_out",
        "recovery_code_used",
        "two_factor_enabled",
        "signed_out",
        "trusted_browser_added",
        "trusted_browser_used",
        "trusted_browser_revoked",
        "password_changed",
        "recovery_codes_regenerated",
        "authenticator_reset_started",
        "authenticator_replaced",
        "session_revoked",
        "admin_reset_2fa",
        "admin_unlocked",
        "admin_revoked_sessions",
      ],
    }).notNull(),
    /** A short, secret-free detail, such as "7 left" or "until 2026-11-24T12:05:00.000Z". */
    detail: text("detail"),
    ip: text("ip"),
    userAgent: text("user_agent"),
    createdAt: integer("created_at").notNull(),
  },
  (table) => [index("security_events_user_idx").on(table.userId, table.createdAt)],
);

export type User = typeof users.$inferSelect;
export type Session = typeof sessions.$inferSelect;
export type TrustedBrowser = typeof trustedBrowsers.$inferSelect;
export type SecurityEvent = typeof securityEvents.$inferSelect;
export type SessionState = Session["state"];
export type SecurityEventType = (typeof securityEvents.$inferSelect)["type"];
