import type { EventDetail, SecurityEventType, SignInFactor } from "../../auth";
import { plural } from "../../words";
import { Time, utcMinute } from "../components/Time";
import { Panel } from "./Panel";

export type EventRow = {
  type: SecurityEventType;
  detail: EventDetail;
  at: number;
  ip: string | null;
  device: string;
};

const count = (n: number | undefined, noun: string) => plural(n ?? 0, noun);
/** "2 other sessions signed out, 1 trusted browser forgotten", as an action that ended them tells it. */
const ended = ({ sessions, trustedBrowsers }: EventDetail, sessionNoun: string) =>
  `${count(sessions, sessionNoun)} signed out, ${count(trustedBrowsers, "trusted browser")} forgotten`;
/** The words, and in brackets what the detail adds, when it holds anything. */
const withDetail = (words: string, detail: string | null) => (detail ? `${words} (${detail})` : words);
const has = (value: number | undefined) => value !== undefined;

/** What completed a sign-in, as the session list and the log say it. */
export const SIGNED_IN_WITH: Record<SignInFactor, string> = {
  app: "with a code from the app",
  recovery_code: "with a recovery code",
  passkey: "with a passkey",
  security_key: "with a security key",
  passwordless: "with a passkey alone, no password",
  trusted_browser: "on a trusted browser, without a second step",
};
/** A credential's name as the event recorded it, quoted. */
const named = (words: string, detail: EventDetail) => (detail.credential ? `${words}: “${detail.credential}”` : words);

/** Each event in plain words. Details are counts and times the domain recorded, never secrets. */
const WORDS: Record<SecurityEventType, (detail: EventDetail) => string> = {
  registered: () => "Account created",
  signed_in: (detail) => (detail.signedInWith ? `Signed in ${SIGNED_IN_WITH[detail.signedInWith]}` : "Signed in"),
  password_failed: () => "Wrong password entered",
  code_failed: (detail) =>
    detail.factor === "recovery_code"
      ? "Wrong recovery code entered"
      : detail.factor === "webauthn"
        ? "A passkey or security key was refused"
        : "Wrong code entered",
  replay_refused: () => "An already used code was refused",
  locked_out: (detail) =>
    detail.lockedUntil
      ? `Locked after too many failed attempts, until ${utcMinute(new Date(detail.lockedUntil).toISOString())}`
      : "Locked after too many failed attempts",
  recovery_code_used: (detail) => withDetail("Recovery code used", has(detail.left) ? `${detail.left} left` : null),
  two_factor_enabled: () => "Two-factor sign-in turned on",
  signed_out: () => "Signed out",
  trusted_browser_added: () => "Browser trusted: no code asked on it for a while",
  trusted_browser_used: () => "Signed in on a trusted browser, without a code",
  trusted_browser_revoked: (detail) =>
    withDetail(
      "Trusted browser forgotten",
      has(detail.trustedBrowsers) ? count(detail.trustedBrowsers, "browser") : null,
    ),
  password_changed: (detail) =>
    withDetail("Password changed", has(detail.sessions) ? ended(detail, "other session") : null),
  recovery_codes_regenerated: () => "New recovery codes made; the old ones stopped working",
  authenticator_reset_started: () => "Started replacing the authenticator app",
  authenticator_replaced: (detail) =>
    withDetail("Authenticator app replaced", has(detail.sessions) ? ended(detail, "other session") : null),
  session_revoked: (detail) =>
    withDetail("Session signed out", has(detail.sessions) ? count(detail.sessions, "other session") : null),
  admin_reset_2fa: (detail) =>
    withDetail("Two-factor sign-in reset by an administrator", has(detail.sessions) ? ended(detail, "session") : null),
  admin_unlocked: () => "Lockouts lifted by an administrator",
  admin_revoked_sessions: (detail) =>
    withDetail(
      "All sessions signed out by an administrator",
      has(detail.sessions) ? count(detail.sessions, "session") : null,
    ),
  credential_added: (detail) =>
    named(
      detail.automatically ? "Passkey added automatically after a sign-in" : "Passkey or security key added",
      detail,
    ),
  credential_renamed: (detail) =>
    detail.formerName
      ? `${named("Passkey or security key renamed", detail)}, was “${detail.formerName}”`
      : named("Passkey or security key renamed", detail),
  credential_removed: (detail) => named("Passkey or security key removed", detail),
  credential_used: (detail) => named("Passkey or security key used", detail),
  signed_in_new_browser: () => "Signed in on a browser not seen on this account before",
  repudiated: (detail) =>
    withDetail(
      `Reported as not you: ${detail.repudiated ? WORDS[detail.repudiated]({}).toLowerCase() : "a change"}`,
      has(detail.sessions) ? ended(detail, "session") : null,
    ),
  new_password_set: () => "New password set after a password change was reported",
  notice_email_confirmed: () => "Email for security notices confirmed",
  notice_email_removed: () => "Email for security notices removed",
};

/** An event in the words the log shows: also what the downloaded log says of it. */
export const describeEvent = (event: Pick<EventRow, "type" | "detail">) => WORDS[event.type](event.detail);

type SecurityLogPanelProps = { events: EventRow[]; downloadPath: string; outOfBand?: boolean };

export function SecurityLogPanel({ events, downloadPath, outOfBand = false }: SecurityLogPanelProps) {
  return (
    <Panel id="security-log" title="Security log" outOfBand={outOfBand}>
      <p>
        Recent events on your account, newest first. <a href={downloadPath}>Download the whole log</a> (JSON) to keep or
        inspect it.
      </p>
      <ol class="event-list">
        {events.map((event) => (
          <li>
            <span safe>{describeEvent(event)}</span>
            <small>
              <Time at={event.at} /> · <span safe>{`IP ${event.ip ?? "unknown"} · ${event.device}`}</span>
            </small>
          </li>
        ))}
      </ol>
    </Panel>
  );
}
