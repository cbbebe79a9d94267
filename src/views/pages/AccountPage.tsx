import type { PropsWithChildren } from "@kitajs/html";
import type { AuthPaths } from "../../paths";

/** The security settings: one panel per concern, each updated in place by its own forms. */
export function AccountPage({ paths, username, children }: PropsWithChildren<{ paths: AuthPaths; username: string }>) {
  return (
    <div class="account">
      <hgroup>
        <h1>Security settings</h1>
        <p safe>{`Signed in as ${username}`}</p>
      </hgroup>
      <p>
        <a href={paths.home}>Back to home</a>
      </p>
      {children}
    </div>
  );
}
