import type { SecurityEventType, User } from "../../db/tables";
import { constantTimeEqual, deriveKey, keyedHmac } from "../crypto";
import { type Failure, isFailure } from "../outcomes";
import type { Stores } from "../stores";
import type { LoggedEvent, RequestMeta } from "../stores/events";
import type { SessionWithUser } from "../stores/sessions";
import type { FactorProof, Proofs } from "./proofs";

/**
 * The events a person hears of through another channel than this site, and may disown with
 * "This wasn't me": a change to how they sign in, a sign-in from a new browser, a lockout.
 */
const NOTIFIED_EVENTS = [
  "credential_added",
  "credential_removed",
  "recovery_codes_regenerated",
  "authenticator_replaced",
  "password_changed",
  "signed_in_new_browser",
  "locked_out",
] as const satisfies readonly SecurityEventType[];
export type NotifiedEvent = (typeof NOTIFIED_EVENTS)[number];

/** How long a notice's "This wasn't me" link works. */
export const REPUDIATION_DAYS = 7;
const REPUDIATION_MS = REPUDIATION_DAYS * 24 * 60 * 60_000;
const TOKEN = /^(\d{1,15})\.([A-Za-z0-9_-]{43})$/;
/** How long the link that confirms an address for notices works. */
export const EMAIL_LINK_HOURS = 24;
const EMAIL_TOKEN = /^(\d{1,15})\.(\d{1,15})\.([A-Za-z0-9_-]{43})$/;
/** The longest address SMTP carries. */
const EMAIL_MAX_LENGTH = 254;
/** One address, with nothing a mail header could be split on: no space, no line break, no list. */
const EMAIL = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:".]+(\.[^\s@<>()[\]\\,;:".]+)+$/;

const isNotified = (type: SecurityEventType): type is NotifiedEvent =>
  (NOTIFIED_EVENTS as readonly SecurityEventType[]).includes(type);

/** An event of an account, with its account and the token of its "This wasn't me" link. */
export type Notice = { event: LoggedEvent & { type: NotifiedEvent }; user: User; repudiationToken: string };

/** What "This wasn't me" did. */
export type Repudiation = {
  userId: number;
  event: NotifiedEvent;
  sessions: number;
  trustedBrowsers: number;
  /** The factor the event added and this removed: a credential's name, or the app. */
  removed: { credential: string } | { app: true } | null;
  /** The password must be replaced at the next sign-in, after a second factor. */
  newPasswordRequired: boolean;
};

/**
 * Notices of security events, and their repudiation: each notice carries a link, signed and
 * bound to its event, that works once within a week. Confirmed, it ends every session, forgets
 * every trusted browser, takes away the factor the event added (never the last one), and after
 * a password change, makes the next sign-in set a new password.
 */
export function noticeFlows(
  { clock, users, sessions, trustedBrowsers, webauthn, events }: Stores,
  appSecret: string,
  prove: Proofs,
) {
  const sign = keyedHmac(deriveKey(appSecret, "repudiation"));
  const tokenOf = (eventId: number) => `${eventId}.${sign(String(eventId))}`;
  const signEmail = keyedHmac(deriveKey(appSecret, "notice-email"));
  /** The link's token for this user's address, until `expires` (seconds): any other address fails it. */
  const emailTokenOf = (userId: number, email: string, expires: number) =>
    `${userId}.${expires}.${signEmail(`${userId}.${expires}.${email}`)}`;

  /** The account and address a confirmation link is for, while it may be used. */
  async function emailToConfirm(token: string): Promise<{ user: User; email: string } | Failure> {
    const [, id, expires] = EMAIL_TOKEN.exec(token) ?? [];
    const user = id ? await users.findById(Number(id)) : null;
    const email = user?.noticeEmail;
    if (!user || !email || !constantTimeEqual(token, emailTokenOf(user.id, email, Number(expires)))) {
      return { reason: "link_unknown" };
    }
    if (user.noticeEmailConfirmedAt !== null) return { reason: "link_used" };
    if (Number(expires) * 1000 < clock()) return { reason: "link_expired" };
    return { user, email };
  }

  /** The event and account a link names, while it may still be used. */
  async function disownable(token: string): Promise<{ event: Notice["event"]; user: User } | Failure> {
    const [, id, signature] = TOKEN.exec(token) ?? [];
    if (!id || !signature || !constantTimeEqual(signature, sign(id))) return { reason: "link_unknown" };
    const event = await events.find(Number(id));
    const user = event?.userId ? await users.findById(event.userId) : null;
    if (!event || !user || !isNotified(event.type)) return { reason: "link_unknown" };
    if (event.repudiatedAt !== null) return { reason: "link_used" };
    if (clock() - event.createdAt > REPUDIATION_MS) return { reason: "link_expired" };
    return { event: event as Notice["event"], user };
  }

  /** Takes away what the event added, if anything and if another factor stays. */
  async function undo({ event, user }: { event: Notice["event"]; user: User }): Promise<Repudiation["removed"]> {
    if (event.type === "credential_added" && event.detail.credentialId) {
      const { removed } = await webauthn.removeUnlessLast(user, event.detail.credentialId);
      return removed ? { credential: removed.name } : null;
    }
    if (event.type === "authenticator_replaced" && user.totpEnabledAt && (await webauthn.any(user))) {
      await users.unlinkApp(user.id);
      return { app: true };
    }
    return null;
  }

  return {
    /** The notice of an event, or null for one nobody is told of. */
    async noticeOf(event: LoggedEvent): Promise<Notice | null> {
      if (!isNotified(event.type) || event.userId === null) return null;
      const user = await users.findById(event.userId);
      if (!user) return null;
      return { event: event as Notice["event"], user, repudiationToken: tokenOf(event.id) };
    },

    /**
     * A new address for notices, after a current factor (a thief's session must not send the
     * owner's notices elsewhere): kept unconfirmed, and the token of the link that confirms it.
     */
    async setEmail(
      { session, user }: SessionWithUser,
      typed: string,
      given: FactorProof,
      meta: RequestMeta,
    ): Promise<{ email: string; token: string } | Failure> {
      const email = typed.trim();
      if (email.length > EMAIL_MAX_LENGTH || !EMAIL.test(email)) return { reason: "email_invalid" };
      const proof = await prove.currentFactor(user, given, session, meta);
      if (isFailure(proof)) return proof;
      await users.setNoticeEmail(user.id, email);
      const expires = Math.floor(clock() / 1000) + EMAIL_LINK_HOURS * 3600;
      return { email, token: emailTokenOf(user.id, email, expires) };
    },

    emailToConfirm,

    /** Confirms the address its link was sent to: notices go there from now on. */
    async confirmEmail(token: string, meta: RequestMeta): Promise<{ user: User; email: string } | Failure> {
      const found = await emailToConfirm(token);
      if (isFailure(found)) return found;
      if (!(await users.confirmNoticeEmail(found.user.id, found.email))) return { reason: "link_used" };
      await events.record("notice_email_confirmed", found.user.id, meta);
      return found;
    },

    /** No address for notices any more, after a current factor. */
    async removeEmail({ session, user }: SessionWithUser, given: FactorProof, meta: RequestMeta) {
      const proof = await prove.currentFactor(user, given, session, meta);
      if (isFailure(proof)) return proof;
      await users.setNoticeEmail(user.id, null);
      await events.record("notice_email_removed", user.id, meta);
      return { removed: true as const };
    },

    /** What a "This wasn't me" link is about, for the page that asks to confirm it. */
    disownable,

    /** "This wasn't me", confirmed. The link works once: a second use is `link_used`. */
    async repudiate(token: string, meta: RequestMeta): Promise<Repudiation | Failure> {
      const found = await disownable(token);
      if (isFailure(found)) return found;
      if (!(await events.markRepudiated(found.event.id))) return { reason: "link_used" };
      const { event, user } = found;
      const ended = {
        sessions: await sessions.revokeAll(user.id, null),
        trustedBrowsers: await trustedBrowsers.revokeAll(user.id),
      };
      const removed = await undo(found);
      const newPasswordRequired = event.type === "password_changed";
      if (newPasswordRequired) await users.requireNewPassword(user.id);
      await events.record("repudiated", user.id, meta, {
        repudiated: event.type,
        ...ended,
        ...(removed && "credential" in removed ? { credential: removed.credential } : {}),
      });
      return { userId: user.id, event: event.type, ...ended, removed, newPasswordRequired };
    },
  };
}

export type NoticeFlows = ReturnType<typeof noticeFlows>;
