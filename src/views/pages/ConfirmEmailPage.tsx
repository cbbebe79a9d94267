import type { AuthPaths } from "../../paths";
import { attributeText } from "../attribute";
import { PostForm } from "../components/PostForm";

type ConfirmEmailPageProps = {
  paths: AuthPaths;
  csrfToken: string;
  action: string;
  username: string;
  email: string;
  /** Set once confirmed: the page then says so instead of asking. */
  confirmed?: boolean;
};

/** The page behind the link in a confirmation email: one button, as opening a link changes nothing. */
export function ConfirmEmailPage({ paths, csrfToken, action, username, email, confirmed }: ConfirmEmailPageProps) {
  return (
    <article class="card">
      <hgroup>
        <h1>{confirmed ? "Email confirmed" : "Confirm your email"}</h1>
        <p safe>{`Account ${username}`}</p>
      </hgroup>
      {confirmed ? (
        <p safe>{`Security notices go to ${email} from now on.`}</p>
      ) : (
        <>
          <p safe>{`Send security notices of this account to ${email}?`}</p>
          <PostForm action={attributeText(action)} csrfToken={csrfToken}>
            <button type="submit">Confirm this address</button>
          </PostForm>
        </>
      )}
      <p>
        <a href={paths.account}>Your security settings</a>
      </p>
    </article>
  );
}
