import type { Session, SignInFactor, User } from "../db/tables";

/** What a host's route learns of the signed-in person: never the password hash, the TOTP key or a handle. */
export type SignedInUser = {
  id: number;
  /** As the person typed it. */
  username: string;
  /** When the account was made, in milliseconds since the epoch. */
  createdAt: number;
  /** When a first second factor was confirmed. */
  twoFactorEnabledAt: number;
  /** Whether an authenticator app is linked; passkeys and security keys may be there besides. */
  appLinked: boolean;
  /** The recovery codes not yet used. */
  recoveryCodesLeft: number;
};

/** What a host's route learns of the session: how and when it was signed in, never its id or token. */
export type SignedInSession = {
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
  signedInWith: SignInFactor | null;
  /** When a second factor was last given in this session (what `signedIn: { fresh }` reads); null for none. */
  factorConfirmedAt: number | null;
  /** Wrong codes given for this account between the last sign-in and this one. */
  failedCodesBefore: number;
  usedRecoveryCode: boolean;
};

export const signedInUser = (user: User): SignedInUser => ({
  id: user.id,
  username: user.username,
  createdAt: user.createdAt,
  twoFactorEnabledAt: user.twoFactorEnabledAt ?? user.createdAt,
  appLinked: user.totpEnabledAt !== null,
  recoveryCodesLeft: user.recoveryCodesLeft,
});

export const signedInSession = (session: Session): SignedInSession => ({
  createdAt: session.createdAt,
  lastSeenAt: session.lastSeenAt,
  expiresAt: session.expiresAt,
  signedInWith: session.signedInWith,
  factorConfirmedAt: session.factorConfirmedAt,
  failedCodesBefore: session.failedCodesBefore,
  usedRecoveryCode: session.usedRecoveryCode,
});
