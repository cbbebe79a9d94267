import type { AuthPaths } from "../../paths";
import { attributeText } from "../attribute";
import { PostForm } from "../components/PostForm";
import { Time } from "../components/Time";

/** The event a "This wasn't me" link is about, as the security log tells it. */
export type DisownedEvent = {
  username: string;
  description: string;
  at: number;
  browser: string;
  ip: string | null;
  /** What confirming will take away besides the sessions and trusted browsers, in words; none for nothing. */
  undoes: string | null;
  /** The event changed the password: confirming makes the next sign-in set a new one. */
  passwordChanged: boolean;
};

type RepudiatePageProps = { paths: AuthPaths; csrfToken: string; action: string; event: DisownedEvent };

/** What happened, what confirming will do, and one button. Nothing changes until it is pressed. */
export function RepudiatePage({ paths, csrfToken, action, event }: RepudiatePageProps) {
  return (
    <article class="card">
      <hgroup>
        <h1>This wasn't me</h1>
        <p safe>{`Account ${event.username}`}</p>
      </hgroup>
      <p>
        <strong safe>{event.description}</strong>
        <br />
        <Time at={event.at} /> · <span safe>{`${event.browser} · IP ${event.ip ?? "unknown"}`}</span>
      </p>
      <p>If you did not do this, someone else may have your password or a way into your account. Securing it will:</p>
      <ul>
        <li>sign out every session, this browser's too;</li>
        <li>forget every trusted browser, so each sign-in asks for a second factor again;</li>
        {event.undoes ? <li safe>{event.undoes}</li> : ""}
        {event.passwordChanged ? (
          <li>
            make the password that was set worthless: at your next sign-in, give your second factor and choose a new
            password.
          </li>
        ) : (
          ""
        )}
      </ul>
      <PostForm action={attributeText(action)} csrfToken={csrfToken}>
        <button type="submit" class="danger">
          Secure my account
        </button>
      </PostForm>
      <p>
        <a href={paths.login}>It was me: do nothing</a>
      </p>
    </article>
  );
}

/** What securing the account did, and the way back in. */
export function RepudiatedPage({ paths, done }: { paths: AuthPaths; done: string[] }) {
  return (
    <article class="card">
      <h1>Your account is secured</h1>
      <ul>
        {done.map((line) => (
          <li safe>{line}</li>
        ))}
      </ul>
      <p>Check your security log once you are signed in, and change your password if you reuse it anywhere.</p>
      <p>
        <a href={paths.login}>Sign in</a>
      </p>
    </article>
  );
}
