import type { PropsWithChildren } from "@kitajs/html";
import { PostForm } from "./PostForm";

export type WebAuthnFormProps = PropsWithChildren<{
  action: string;
  csrfToken: string;
  /** Where the script fetches the ceremony's options; none for a form that only needs a proof. */
  options?: string;
  ceremony?: "register" | "authenticate";
  /** Also offer the passkeys in the browser's autofill of the username field (conditional mediation). */
  autofill?: boolean;
  /** Ask the password manager, unprompted, to make a passkey (conditional create), where the browser can. */
  autoRegister?: boolean;
  /** The id of the panel the answer replaces; without it, the answer fills `#main`. */
  panel?: string;
  /** A refusal from the server, or from the script in place. */
  error?: string;
  /** Hidden until the script finds WebAuthn in this browser: without it, the form could not work. */
  hidden?: boolean;
  /** Where the script gets a challenge for a passkey to prove it is the owner, when no code is typed. */
  proof?: string;
}>;

/**
 * A form whose answer comes from a passkey or security key: public/webauthn.js fetches the
 * options, asks the browser, puts the answer in `credential` and submits the form, which
 * the server answers like any other (a page, or with htmx, a fragment).
 */
export function WebAuthnForm({
  action,
  csrfToken,
  options,
  ceremony = "authenticate",
  autofill,
  autoRegister,
  panel,
  error,
  hidden = true,
  proof,
  children,
}: WebAuthnFormProps) {
  return (
    <div data-webauthn hidden={hidden}>
      <PostForm
        action={action}
        csrfToken={csrfToken}
        panel={panel}
        data={{
          "data-webauthn-options": options,
          "data-webauthn-ceremony": options ? ceremony : undefined,
          "data-webauthn-autofill": autofill,
          "data-webauthn-auto-register": autoRegister,
          "data-webauthn-proof": proof,
        }}
      >
        <input type="hidden" name="credential" value="" />
        <p class="form-error" role="alert" data-webauthn-error hidden={!error} safe>
          {error ?? ""}
        </p>
        {children}
      </PostForm>
    </div>
  );
}
