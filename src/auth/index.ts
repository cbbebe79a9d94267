import type { Clock } from "../clock";
import type { Db } from "../db/client";
import type { Session, User } from "../db/schema";
import { hashPassword, PASSWORD_MAX_LENGTH, passwordProblem, verifyAgainstDummy, verifyPassword } from "./passwords";
import { type NewSession, type SessionWithUser, sessionStore } from "./sessions";
import { groupKey, matchingTimeStep, normalizeCode, otpauthUri } from "./totp";
import { usernameProblem, userStore } from "./users";

export type RegistrationForm = { username: string; password: string; confirm: string };
export type FieldErrors<Field extends string> = Partial<Record<Field, string>>;
export type Enrollment = { uri: string; key: string; groupedKey: string };

/** The auth domain: every flow the web layer offers, with no knowledge of HTTP. */
export function createAuth({ db, clock, appName }: { db: Db; clock: Clock; appName: string }) {
  const users = userStore(db, clock);
  const sessions = sessionStore(db, clock);

  return {
    async register(
      form: RegistrationForm,
    ): Promise<{ session: NewSession } | { errors: FieldErrors<keyof RegistrationForm> }> {
      const errors: FieldErrors<keyof RegistrationForm> = {};
      const usernameError = usernameProblem(form.username);
      if (usernameError) errors.username = usernameError;
      const passwordError = passwordProblem(form.password, form.username);
      if (passwordError) errors.password = passwordError;
      else if (form.password !== form.confirm) errors.confirm = "The two passwords do not match.";
      if (!usernameError && (await users.findByUsername(form.username))) errors.username = usernameTaken;
      if (Object.keys(errors).length > 0) return { errors };

      const user = await users.create(form.username, await hashPassword(form.password));
      if (!user) return { errors: { username: usernameTaken } };
      return { session: await sessions.create(user.id, "pending") };
    },

    /**
     * A pending session when the password is right. Unknown users and wrong passwords get
     * the same answer in the same time, so the login form does not reveal who has an account.
     */
    async checkPassword(
      username: string,
      password: string,
    ): Promise<{ session: NewSession; enrolled: boolean } | null> {
      if ([...password].length > PASSWORD_MAX_LENGTH) return null; // no such password was ever accepted
      const user = usernameProblem(username) ? null : await users.findByUsername(username);
      const ok = user ? await verifyPassword(password, user.passwordHash) : await verifyAgainstDummy(password);
      if (!user || !ok) return null;
      return { session: await sessions.create(user.id, "pending"), enrolled: user.totpEnabledAt !== null };
    },

    session: (token: string): Promise<SessionWithUser | null> => sessions.validate(token),

    /** The key to show while 2FA is not on yet; never once it is on. */
    async enrollment(user: User): Promise<Enrollment | null> {
      if (user.totpEnabledAt) return null;
      const key = await users.enrollmentSecret(user);
      return { uri: otpauthUri(key, appName, user.username), key, groupedKey: groupKey(key) };
    },

    /**
     * Checks a pending session's code. A correct one turns 2FA on if needed and
     * replaces the pending session by a signed-in one.
     */
    async verifyCode(
      { session, user }: SessionWithUser,
      input: string,
    ): Promise<{ session: NewSession } | { error: string }> {
      const code = normalizeCode(input);
      if (!code) return { error: "Enter the 6-digit code from your authenticator app." };
      const key = user.totpEnabledAt ? user.totpSecret : await users.enrollmentSecret(user);
      if (!key || matchingTimeStep(key, code, clock()) === null) {
        return { error: "That code is not right. Check the time on your phone and try the newest code." };
      }
      await users.enableTwoFactor(user.id);
      const signedIn = await sessions.rotate(session, "signed_in");
      if (!signedIn) return { error: "This sign-in was already completed in another tab. Reload the page." };
      return { session: signedIn };
    },

    signOut: (session: Session): Promise<void> => sessions.delete(session.id),

    deleteExpiredSessions: (): Promise<void> => sessions.deleteExpired(),
  };
}

const usernameTaken = "This username is taken. Choose another, or sign in if it is yours.";

export type Auth = ReturnType<typeof createAuth>;
