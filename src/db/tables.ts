import type { postgresColumns } from "./postgres-columns";

/** The column types the schema is made of: PostgreSQL's builders (postgres-columns.ts) give their types. */
export type ColumnKit = typeof postgresColumns;

const eventTypes = [
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
  "credential_added",
  "credential_renamed",
  "credential_removed",
  "credential_used",
  "signed_in_new_browser",
  "repudiated",
  "new_password_set",
  "notice_email_confirmed",
  "notice_email_removed",
] as const;

/** What completed a sign-in: shown in the session list and the security log. */
export const signInFactors = [
  "app",
  "recovery_code",
  "passkey",
  "security_key",
  "passwordless",
  "trusted_browser",
] as const;

/** The one schema: each dialect's schema file calls this with its own column kit. */
export function defineTables({ table, id, integer, time, bigCount, text, boolean, index, uniqueIndex }: ColumnKit) {
  const users = table("users", {
    id: id("id"),
    /** As the person typed it, for display. */
    username: text("username").notNull(),
    /** Lower-cased: `Alice` and `alice` are one account, enforced by the unique index. */
    usernameKey: text("username_key").notNull().unique(),
    passwordHash: text("password_hash").notNull(),
    /** The TOTP key, encrypted (see auth/encryption.ts); made when enrollment starts, null before. */
    totpSecret: text("totp_secret"),
    /** Set once a correct code proved the authenticator works; null means 2FA is not on yet. */
    totpEnabledAt: time("totp_enabled_at"),
    /** The time step of the last accepted code: that code, and any older one, is refused. */
    totpLastStep: integer("totp_last_step"),
    /**
     * When a first second factor (the app, or a passkey or security key) was confirmed; null
     * means 2FA is not on yet. `totpEnabledAt` alone says whether an app is linked.
     */
    twoFactorEnabledAt: time("two_factor_enabled_at"),
    /** The WebAuthn user handle: 32 random bytes, base64url, made at the first registration. Never the id or name. */
    webauthnUserId: text("webauthn_user_id").unique(),
    /**
     * When the current recovery codes were made. Writing it is also the first step of replacing
     * them: it takes the user's row lock, so on PostgreSQL two replacements queue, not interleave.
     */
    recoveryCodesMadeAt: time("recovery_codes_made_at"),
    /**
     * The recovery codes not yet used: the home page shows it on every visit, from the row the
     * session check has already read. Every write of the codes keeps it exact, in its transaction.
     */
    recoveryCodesLeft: integer("recovery_codes_left").notNull().default(0),
    /**
     * Set when the person reported a password change they did not make: the password stands for
     * nothing until a second factor is given and a new one is set.
     */
    newPasswordRequiredAt: time("new_password_required_at"),
    /** Where security notices go, as the person typed it; confirmed once its link was opened. */
    noticeEmail: text("notice_email"),
    noticeEmailConfirmedAt: time("notice_email_confirmed_at"),
    /** "Not now" to the offer of a passkey after sign-in: asked again after this time. */
    passkeyOfferSnoozedUntil: time("passkey_offer_snoozed_until"),
    /** "Don't ask again" to that offer. */
    passkeyOfferDeclined: boolean("passkey_offer_declined").notNull().default(false),
    createdAt: time("created_at").notNull(),
  });

  const sessions = table(
    "sessions",
    {
      /** SHA-256 of the cookie's token, hex: a database dump holds no usable session. */
      id: text("id").primaryKey(),
      userId: integer("user_id")
        .notNull()
        .references(() => users.id, { onDelete: "cascade" }),
      state: text("state", { enum: ["pending", "signed_in"] }).notNull(),
      createdAt: time("created_at").notNull(),
      lastSeenAt: time("last_seen_at").notNull(),
      /** Slides forward with use, never past the absolute limit from `createdAt`. */
      expiresAt: time("expires_at").notNull(),
      ip: text("ip"),
      userAgent: text("user_agent"),
      /** Failed code attempts between the previous sign-in and this one, shown once signed in. */
      failedCodesBefore: integer("failed_codes_before").notNull().default(0),
      /** Signed in with a recovery code: home offers to reset the authenticator. */
      usedRecoveryCode: boolean("used_recovery_code").notNull().default(false),
      /** What completed the sign-in; null while pending, and for sessions from before it was kept. */
      signedInWith: text("signed_in_with", { enum: signInFactors }),
      /**
       * When a second factor was last given in this session: at its sign-in, or to confirm since.
       * Null when none was (a trusted browser skipped it). What a route's `fresh` window reads.
       */
      factorConfirmedAt: time("factor_confirmed_at"),
      /**
       * A replacement TOTP key this session is enrolling, sealed like `users.totp_secret`. Kept
       * on the session, so it is confirmed by whoever proved the old factors, and dies with it.
       */
      newTotpSecret: text("new_totp_secret"),
      newTotpStartedAt: time("new_totp_started_at"),
    },
    (columns) => [
      index("sessions_user_id_idx").on(columns.userId),
      index("sessions_expires_at_idx").on(columns.expiresAt),
    ],
  );

  /**
   * Failed attempts and lockouts, one row per thing guarded: a username's password, or an
   * account's second factor. In the database, so a restart or another instance does not reset it.
   */
  const throttles = table("throttles", {
    key: text("key").primaryKey(),
    failures: integer("failures").notNull(),
    lockedUntil: time("locked_until"),
  });

  const recoveryCodes = table(
    "recovery_codes",
    {
      id: id("id"),
      userId: integer("user_id")
        .notNull()
        .references(() => users.id, { onDelete: "cascade" }),
      /** HMAC-SHA-256 under a key derived from APP_SECRET: a dump alone cannot test guesses. */
      codeHash: text("code_hash").notNull(),
      usedAt: time("used_at"),
    },
    (columns) => [uniqueIndex("recovery_codes_user_hash_idx").on(columns.userId, columns.codeHash)],
  );

  /** Browsers where a correct code ticked "don't ask again": the cookie holds the token, this table its SHA-256. */
  const trustedBrowsers = table(
    "trusted_browsers",
    {
      id: text("id").primaryKey(),
      userId: integer("user_id")
        .notNull()
        .references(() => users.id, { onDelete: "cascade" }),
      createdAt: time("created_at").notNull(),
      lastUsedAt: time("last_used_at"),
      /** Fixed at creation: use does not extend it. */
      expiresAt: time("expires_at").notNull(),
      ip: text("ip"),
      userAgent: text("user_agent"),
    },
    (columns) => [index("trusted_browsers_user_id_idx").on(columns.userId)],
  );

  /**
   * Passkeys and security keys. Only public data: a WebAuthn authenticator keeps its private
   * key, and what is stored here verifies its signatures.
   */
  const webauthnCredentials = table(
    "webauthn_credentials",
    {
      /** The credential id, base64url, as the authenticator made it. */
      id: text("id").primaryKey(),
      userId: integer("user_id")
        .notNull()
        .references(() => users.id, { onDelete: "cascade" }),
      /** The COSE public key, base64url. */
      publicKey: text("public_key").notNull(),
      /** The last signature counter seen; 0 for authenticators that keep none (synced passkeys). */
      counter: bigCount("counter").notNull(),
      /** Comma-separated, as the browser reported them at registration: usb, nfc, internal, hybrid… */
      transports: text("transports"),
      /** What the person added it as: a passkey needs user verification and lives on the authenticator. */
      kind: text("kind", { enum: ["passkey", "security_key"] }).notNull(),
      /** May be synced to other devices (the BE flag), and is (the BS flag, which may change). */
      backupEligible: boolean("backup_eligible").notNull(),
      backedUp: boolean("backed_up").notNull(),
      aaguid: text("aaguid"),
      name: text("name").notNull(),
      /** Made by the browser's password manager right after a sign-in, without a dialog (conditional create). */
      addedAutomatically: boolean("added_automatically").notNull().default(false),
      createdAt: time("created_at").notNull(),
      lastUsedAt: time("last_used_at"),
    },
    (columns) => [index("webauthn_credentials_user_id_idx").on(columns.userId)],
  );

  /**
   * Challenges handed out for a WebAuthn ceremony. In the database, so any instance can check
   * the answer; bound to who asked (a session, or an anonymous browser) and to what for; used once.
   */
  const webauthnChallenges = table(
    "webauthn_challenges",
    {
      challenge: text("challenge").primaryKey(),
      /** A session id, or for passwordless sign-in a hash of the anonymous browser's nonce. */
      owner: text("owner").notNull(),
      purpose: text("purpose", {
        enum: ["enroll", "second_step", "passwordless", "add", "proof", "upgrade"],
      }).notNull(),
      expiresAt: time("expires_at").notNull(),
    },
    (columns) => [
      index("webauthn_challenges_owner_idx").on(columns.owner, columns.purpose),
      index("webauthn_challenges_expires_at_idx").on(columns.expiresAt),
    ],
  );

  const securityEvents = table(
    "security_events",
    {
      id: id("id"),
      /** Null for events about no known account, such as a failed sign-in under an unknown name. */
      userId: integer("user_id").references(() => users.id, { onDelete: "cascade" }),
      type: text("type", { enum: eventTypes }).notNull(),
      /** A short, secret-free detail, such as "7 left" or "until 2026-11-24T12:05:00.000Z". */
      detail: text("detail"),
      ip: text("ip"),
      userAgent: text("user_agent"),
      createdAt: time("created_at").notNull(),
      /** When its owner said "This wasn't me" through its notice's link: the link works once. */
      repudiatedAt: time("repudiated_at"),
    },
    (columns) => [index("security_events_user_idx").on(columns.userId, columns.createdAt)],
  );

  return {
    users,
    sessions,
    throttles,
    recoveryCodes,
    trustedBrowsers,
    webauthnCredentials,
    webauthnChallenges,
    securityEvents,
  };
}

export type Tables = ReturnType<typeof defineTables>;
export type User = Tables["users"]["$inferSelect"];
export type Session = Tables["sessions"]["$inferSelect"];
export type TrustedBrowser = Tables["trustedBrowsers"]["$inferSelect"];
export type SecurityEvent = Tables["securityEvents"]["$inferSelect"];
export type WebAuthnCredential = Tables["webauthnCredentials"]["$inferSelect"];
export type WebAuthnKind = WebAuthnCredential["kind"];
export type ChallengePurpose = Tables["webauthnChallenges"]["$inferSelect"]["purpose"];
export type SignInFactor = (typeof signInFactors)[number];
export type SessionState = Session["state"];
export type SecurityEventType = SecurityEvent["type"];
