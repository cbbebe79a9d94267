import type { AccountOverview } from "../../auth";
import type { AuthPaths } from "../../paths";
import { describeDevice } from "../device";
import { SecurityLogPanel, SIGNED_IN_WITH } from "./SecurityLogPanel";
import { SessionsPanel } from "./SessionsPanel";
import { TrustedBrowsersPanel } from "./TrustedBrowsersPanel";

export type ListPanel = "sessions" | "trusted-browsers" | "security-log";

type ListPanelsProps = {
  paths: AuthPaths;
  csrfToken: string;
  overview: AccountOverview;
  /** The session asking, marked as this browser. */
  currentSessionId: string;
  trustedBrowserDays: number;
  /** Which panels go out of band, beside another panel's answer. */
  outOfBand?: (panel: ListPanel) => boolean;
};

/** The panels that list what actions change: sessions, trusted browsers, the log. */
export function ListPanels({
  paths,
  csrfToken,
  overview,
  currentSessionId,
  trustedBrowserDays,
  outOfBand = () => false,
}: ListPanelsProps) {
  return (
    <>
      <SessionsPanel
        paths={paths}
        csrfToken={csrfToken}
        outOfBand={outOfBand("sessions")}
        sessions={overview.sessions.map((session) => ({
          id: session.id,
          device: describeDevice(session.userAgent),
          ip: session.ip,
          startedAt: session.createdAt,
          lastSeenAt: session.lastSeenAt,
          waitingForCode: session.state === "pending",
          signedInWith: session.signedInWith ? SIGNED_IN_WITH[session.signedInWith] : null,
          factorConfirmedAt: session.factorConfirmedAt,
          current: session.id === currentSessionId,
        }))}
      />
      <TrustedBrowsersPanel
        paths={paths}
        csrfToken={csrfToken}
        trustedBrowserDays={trustedBrowserDays}
        outOfBand={outOfBand("trusted-browsers")}
        browsers={overview.trustedBrowsers.map((browser) => ({
          id: browser.id,
          device: describeDevice(browser.userAgent),
          ip: browser.ip,
          addedAt: browser.createdAt,
          lastUsedAt: browser.lastUsedAt,
          expiresAt: browser.expiresAt,
          current: browser.id === overview.thisTrustedBrowserId,
        }))}
      />
      <SecurityLogPanel
        downloadPath={paths.securityLog}
        outOfBand={outOfBand("security-log")}
        events={overview.events.map((event) => ({
          type: event.type,
          detail: event.detail,
          at: event.createdAt,
          ip: event.ip,
          device: describeDevice(event.userAgent),
        }))}
      />
    </>
  );
}
