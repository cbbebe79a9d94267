// Checked by `bun run typecheck`, not run: the one door into a signed-in session takes only a
// proof made by a check in src/auth/flows/proofs.ts. Each line below must fail to compile; should the
// brand go, `@ts-expect-error` finds no error and the type check fails.

import type { NewSignInProof, PasswordProof, SignInProof } from "../src/auth/flows/proofs";
import type { sessionStore } from "../src/auth/stores/sessions";
import type { Session, User } from "../src/db/tables";

declare const sessions: ReturnType<typeof sessionStore>;
declare const pending: Session;
declare const user: User;

// @ts-expect-error a passkey sign-in without a passkey checked
export const passkey: NewSignInProof = { by: "passkey", userId: 1 };
// @ts-expect-error a second factor nobody gave
export const secondFactor: SignInProof = { by: "second_factor", claimed: pending };
// @ts-expect-error a password nobody typed
export const password: PasswordProof = { user };
// @ts-expect-error the door itself refuses a literal
export const door = sessions.signIn({ by: "trusted_browser", userId: 1 }, { ip: null, userAgent: null });
