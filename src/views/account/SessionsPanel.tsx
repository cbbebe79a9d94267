import { type AuthPaths, withId } from "../../paths";
import { PostForm } from "../components/PostForm";
import { Time } from "../components/Time";
import { DeviceItem } from "./DeviceItem";
import { Panel } from "./Panel";

export type SessionRow = {
  id: string;
  /** "Firefox on Windows", read from the user agent. */
  device: string;
  ip: string | null;
  startedAt: number;
  lastSeenAt: number;
  /** The password was right, but no code was given yet. */
  waitingForCode: boolean;
  /** How it signed in, in words ("with a passkey"), when known. */
  signedInWith: string | null;
  /** When a second factor was last given in it: at sign-in, or to confirm since; null for none. */
  factorConfirmedAt: number | null;
  current: boolean;
};

type SessionsPanelProps = {
  paths: AuthPaths;
  csrfToken: string;
  sessions: SessionRow[];
  notice?: string;
  outOfBand?: boolean;
};

const PANEL = "sessions";

/** Every live session of the account, this one first, each with a way to end it. */
export function SessionsPanel({ paths, csrfToken, sessions, notice, outOfBand = false }: SessionsPanelProps) {
  const others = sessions.filter((session) => !session.current).length;
  return (
    <Panel id={PANEL} title="Sessions" notice={notice} outOfBand={outOfBand}>
      <ul class="device-list">
        {sessions.map((session) => (
          <DeviceItem
            nameId={`session-${session.id.slice(0, 16)}`}
            device={session.device}
            current={session.current}
            warning={session.waitingForCode ? "Password entered, no code yet" : undefined}
            revoke={
              session.current
                ? undefined
                : { action: withId(paths.revokeSession, session.id), label: "Sign out", csrfToken, panel: PANEL }
            }
          >
            <span safe>{`IP ${session.ip ?? "unknown"}`}</span> · started <Time at={session.startedAt} />
            {session.signedInWith ? <span safe>{` ${session.signedInWith}`}</span> : ""} · last seen{" "}
            <Time at={session.lastSeenAt} />
            {session.waitingForCode ? (
              ""
            ) : session.factorConfirmedAt ? (
              <>
                {" "}
                · second factor last given <Time at={session.factorConfirmedAt} />
              </>
            ) : (
              " · no second factor given in it"
            )}
          </DeviceItem>
        ))}
      </ul>
      {others > 0 ? (
        <PostForm action={paths.revokeOtherSessions} csrfToken={csrfToken} panel={PANEL}>
          <button type="submit" class="secondary">
            Sign out every other session
          </button>
        </PostForm>
      ) : (
        <p>No other sessions.</p>
      )}
    </Panel>
  );
}
