import type { SecurityEventType } from "../../auth";
import { Time, utcMinute } from "../components/Time";
import { Panel } from "./Panel";

export type EventRow = {
  type: SecurityEventType;
  detail: string | null;
  at: number;
  ip: string | null;
  device: string;
};

const withDetail = (words: string) => (detail: string | null) => (detail ? `${words} (${detail})` : words);

/** Each event in plain words. Details are counts and times the domain wrote, never secrets. */
const WORDS: Record<SecurityEventType, (detail: string | null) => string> = {
  registered: () => "Account created",
  signed_in: () => "Signed in",
  password_failed: () => "Wrong password entered",
  code_failed: (detail) => (detail === "recovery code" ? "Wrong recovery code entered" : "Wrong code entered"),
  replay_refused: () => "An already used code was refused",
  locked_out: (detail) =>
    detail?.startsWith("until ")
      ? `Locked after too many failed attempts, until ${utcMinute(detail.slice(6))}`
      : "Locked after too many failed attempts",
  recovery_code_used: withDetail("Recovery code used"),
  two_factor_enabled: () => "Two-factor sign-in turned on",
  signed_out: () => "Signed out",
  trusted_browser_added: () => "Browser trusted: no code asked on it for a while",
  trusted_browser_used: () => "Signed in on a trusted browser, without a code",
  trusted_browser_revoked: withDetail("Trusted browser forgotten"),
  password_changed: withDetail("Password changed"),
  recovery_codes_regenerated: () => "New recovery codes made; the old ones stopped working",
  authenticator_reset_started: () => "Started replacing the authenticator app",
  authenticator_replaced: withDetail("Authenticator app replaced"),
  session_revoked: withDetail("Session signed out"),
  admin_reset_2fa: withDetail("Two-factor sign-in reset by an administrator"),
  admin_unlocked: () => "Lockouts lifted by an administrator",
  admin_revoked_sessions: withDetail("All sessions signed out by an administrator"),
};

const describeEvent = (event: Pick<EventRow, "type" | "detail">) => WORDS[event.type](event.detail);

type SecurityLogPanelProps = { events: EventRow[]; outOfBand?: boolean };

export function SecurityLogPanel({ events, outOfBand = false }: SecurityLogPanelProps) {
  return (
    <Panel id="security-log" title="Security log" outOfBand={outOfBand}>
      <p>Recent events on your account, newest first.</p>
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
