import type { Notice, NotifiedEvent } from "../auth";
import { type AuthPaths, withToken } from "../paths";
import { describeEvent } from "../views/account/SecurityLogPanel";
import { describeDevice } from "../views/device";

/**
 * What a host's `onSecurityEvent` is told: a change to how someone signs in, a sign-in from a
 * browser not seen before, or a lockout. Nothing secret: the browser and IP as the security
 * log shows them, and a link its owner may open to say "This wasn't me".
 */
export type SecurityNotice = {
  userId: number;
  username: string;
  event: NotifiedEvent;
  /** The event in the words of the security log, such as "Password changed". */
  description: string;
  /** When, as an ISO time. */
  at: string;
  /** "Firefox on Windows". */
  browser: string;
  ip: string | null;
  /** Signed, for this event only, usable once within 7 days. */
  repudiateUrl: string;
  /** The address the person confirmed for security notices; null without one. */
  email: string | null;
};

/** The notice a host hears of, from the domain's. */
export function securityNotice(
  { event, user, repudiationToken }: Notice,
  origin: string,
  paths: AuthPaths,
): SecurityNotice {
  return {
    userId: user.id,
    username: user.username,
    event: event.type,
    description: describeEvent(event),
    at: new Date(event.createdAt).toISOString(),
    browser: describeDevice(event.userAgent),
    ip: event.ip,
    repudiateUrl: `${origin}${withToken(paths.repudiate, repudiationToken)}`,
    email: user.noticeEmailConfirmedAt ? user.noticeEmail : null,
  };
}
