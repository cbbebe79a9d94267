import { type AuthPaths, withId } from "../../paths";
import { PostForm } from "../components/PostForm";
import { Time } from "../components/Time";
import { DeviceItem } from "./DeviceItem";
import { Panel } from "./Panel";

export type TrustedBrowserRow = {
  id: string;
  device: string;
  ip: string | null;
  addedAt: number;
  lastUsedAt: number | null;
  expiresAt: number;
  current: boolean;
};

type TrustedBrowsersPanelProps = {
  paths: AuthPaths;
  csrfToken: string;
  browsers: TrustedBrowserRow[];
  trustedBrowserDays: number;
  outOfBand?: boolean;
};

const PANEL = "trusted-browsers";

/** Browsers that skip the code step, each with a way to forget it. */
export function TrustedBrowsersPanel({
  paths,
  csrfToken,
  browsers,
  trustedBrowserDays,
  outOfBand = false,
}: TrustedBrowsersPanelProps) {
  return (
    <Panel id={PANEL} title="Trusted browsers" outOfBand={outOfBand}>
      <p
        safe
      >{`Browsers where you ticked "Don't ask for a second step on this browser". They need only your password, for ${trustedBrowserDays} days.`}</p>
      {browsers.length === 0 ? (
        <p>None.</p>
      ) : (
        <>
          <ul class="device-list">
            {browsers.map((browser) => (
              <DeviceItem
                nameId={`trusted-${browser.id.slice(0, 16)}`}
                device={browser.device}
                current={browser.current}
                revoke={{
                  action: withId(paths.revokeTrustedBrowser, browser.id),
                  label: "Forget",
                  csrfToken,
                  panel: PANEL,
                }}
              >
                <span safe>{`IP ${browser.ip ?? "unknown"}`}</span> · added <Time at={browser.addedAt} /> ·{" "}
                {browser.lastUsedAt ? (
                  <>
                    last used <Time at={browser.lastUsedAt} />
                  </>
                ) : (
                  "not used yet"
                )}{" "}
                · until <Time at={browser.expiresAt} />
              </DeviceItem>
            ))}
          </ul>
          <PostForm action={paths.revokeAllTrustedBrowsers} csrfToken={csrfToken} panel={PANEL}>
            <button type="submit" class="secondary">
              Forget every trusted browser
            </button>
          </PostForm>
        </>
      )}
    </Panel>
  );
}
