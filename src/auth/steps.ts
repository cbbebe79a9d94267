import type { SessionWithUser } from "./stores/sessions";

/**
 * Where a visitor stands in signing in: the one name for each state of the session machine.
 * A stored session is `pending` or `signed_in`; pending is enrolling until 2FA is on, and
 * verifying after; signed in is choosing a new password while the account needs one (its owner
 * disowned a password change). Each step has its page, and a request for another page is sent to it.
 */
export type Step = "signed_out" | "enrolling" | "verifying" | "choosing_password" | "signed_in";

/** The step of a request's session, or of none. */
export function stepOf(current: SessionWithUser | null): Step {
  if (!current) return "signed_out";
  if (current.session.state === "signed_in")
    return current.user.newPasswordRequiredAt ? "choosing_password" : "signed_in";
  return current.user.twoFactorEnabledAt ? "verifying" : "enrolling";
}
