import type { AuthPaths } from "../../paths";
import { PostForm } from "./PostForm";
import { WebAuthnForm } from "./WebAuthnForm";

const PANEL = "passkey-offer";

type PasskeyOfferProps = {
  paths: AuthPaths;
  csrfToken: string;
  /** Why the passkey was not added, from the server or the browser. */
  error?: string;
};

/**
 * Right after a sign-in with both factors: a passkey, made by the password manager without a
 * dialog where the browser can (public/webauthn.js tries it first), else offered in one line
 * that can be put off. The line is there from the start, so nothing jumps when the quiet way fails.
 */
export function PasskeyOffer({ paths, csrfToken, error }: PasskeyOfferProps) {
  return (
    <section class="card passkey-offer" id={PANEL} aria-label="Add a passkey">
      <WebAuthnForm
        action={paths.passkeyOffer}
        options={paths.passkeyOfferOptions}
        ceremony="register"
        autoRegister
        csrfToken={csrfToken}
        panel={PANEL}
      >
        <input type="hidden" name="mode" value="automatic" />
      </WebAuthnForm>
      <p>Sign in faster next time: add a passkey.</p>
      <WebAuthnForm
        action={paths.passkeyOffer}
        options={paths.passkeyOfferOptions}
        ceremony="register"
        csrfToken={csrfToken}
        panel={PANEL}
        error={error}
      >
        <input type="hidden" name="mode" value="dialog" />
        <button type="button" data-webauthn-start>
          Add a passkey
        </button>
      </WebAuthnForm>
      <p data-webauthn-fallback>
        <a href={`${paths.account}#passkeys`}>Add one in your security settings</a> (it needs JavaScript).
      </p>
      <div class="button-row">
        <PostForm action={paths.passkeyOfferLater} csrfToken={csrfToken} panel={PANEL}>
          <button type="submit" class="secondary outline">
            Not now
          </button>
        </PostForm>
        <PostForm action={paths.passkeyOfferNever} csrfToken={csrfToken} panel={PANEL}>
          <button type="submit" class="secondary outline">
            Don't ask again
          </button>
        </PostForm>
      </div>
    </section>
  );
}

/** What takes the offer's place once a passkey is made. */
export function PasskeyAdded({ name }: { name: string }) {
  return (
    <section class="card passkey-offer" id={PANEL} aria-label="Passkey added">
      <p role="status" safe>
        {`Passkey added (“${name}”). Next time, sign in with it: no password needed.`}
      </p>
    </section>
  );
}
