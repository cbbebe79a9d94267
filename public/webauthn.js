// Passkeys and security keys: the one part of the pages that needs JavaScript, so every
// WebAuthn control is hidden until this file finds WebAuthn in the browser. It fetches a
// ceremony's options, asks the browser, puts the answer in the form's hidden field and
// submits the form, which the server answers like any other: with htmx, a fragment in place.
// No inline handlers and no eval: the CSP allows scripts from this origin only.
// In a function of its own: classic scripts share one global scope, and app.js has an `enhance` too.
(() => {
  const webauthn = window.SimpleWebAuthnBrowser;
  const supported = Boolean(webauthn?.browserSupportsWebAuthn());

  // What a person reads when the browser or the authenticator says no. The browser's own
  // messages are for developers; these say what to do.
  const failures = {
    NotAllowedError:
      "Your passkey or security key did not confirm it is you, or the request was cancelled or timed out. Try again, or use another way.",
    InvalidStateError: "This passkey or security key is already registered to your account.",
    SecurityError: "This site's address cannot use passkeys. Use another way to sign in.",
    AbortError: "The request was cancelled. Try again.",
  };
  const unreachable = "Could not reach the server. Check your connection and try again.";
  const refused = "The server refused the request. Reload the page and try again.";

  class OptionsRefused extends Error {}

  /** What to tell the person about a ceremony that failed. */
  const messageFor = (error) =>
    error instanceof OptionsRefused ? error.message : (failures[error?.name] ?? failures.NotAllowedError);

  /** The ceremony's options: a form post with the CSRF token, answered with JSON. */
  async function optionsFrom(form, url) {
    const fields = new URLSearchParams({ csrf: form.elements.csrf.value });
    if (form.elements.kind) fields.set("kind", form.elements.kind.value);
    if (form.elements.mode) fields.set("mode", form.elements.mode.value);
    let response;
    try {
      response = await fetch(url, { method: "POST", body: fields, headers: { accept: "application/json" } });
    } catch {
      throw new OptionsRefused(unreachable);
    }
    if (!response.ok || !response.headers.get("content-type")?.startsWith("application/json"))
      throw new OptionsRefused(refused);
    return response.json();
  }

  function showError(form, message) {
    const error = form.querySelector("[data-webauthn-error]");
    if (!error) return;
    error.textContent = message;
    error.hidden = !message;
  }

  function setBusy(button, busy) {
    if (!button) return;
    button.disabled = busy;
    if (busy) button.setAttribute("aria-busy", "true");
    else button.removeAttribute("aria-busy");
  }

  /**
   * A sensitive action's proof, when no code was typed and a passkey may give it: the
   * passkey's answer to a challenge of this session, in the form's `assertion` field.
   */
  async function proveWithPasskey(form) {
    const proofUrl = form.dataset.webauthnProof;
    const code = form.elements.otp?.value.trim();
    if (!proofUrl || !form.elements.assertion) return;
    form.elements.assertion.value = "";
    if (code) return;
    const optionsJSON = await optionsFrom(form, proofUrl);
    form.elements.assertion.value = JSON.stringify(await webauthn.startAuthentication({ optionsJSON }));
  }

  /** Runs the form's ceremony (and its proof, if it needs one), then submits the form. */
  async function runCeremony(form, button, autofill = false) {
    showError(form, "");
    setBusy(button, true);
    try {
      if (button?.dataset.kind && form.elements.kind) form.elements.kind.value = button.dataset.kind;
      await proveWithPasskey(form);
      const optionsJSON = await optionsFrom(form, form.dataset.webauthnOptions);
      const answer =
        form.dataset.webauthnCeremony === "register"
          ? await webauthn.startRegistration({ optionsJSON })
          : await webauthn.startAuthentication({ optionsJSON, useBrowserAutofill: autofill });
      form.elements.credential.value = JSON.stringify(answer);
      form.requestSubmit();
    } catch (error) {
      // A passkey request replaced by another (the button after the autofill offer) says nothing.
      if (autofill && error?.name === "AbortError") return;
      showError(form, messageFor(error));
    } finally {
      setBusy(button, false);
    }
  }

  /**
   * After a rename or a removal, tell the browser's password manager which passkeys are still
   * good and what the account is called, so it stops offering a dead one. Only where the
   * browser has the Signal API; nothing fails without it.
   */
  function signalCredentials(element) {
    const { rpId, userHandle, username, credentialIds } = element.dataset;
    const accepted = credentialIds ? credentialIds.split(",") : [];
    const credential = window.PublicKeyCredential;
    credential
      ?.signalAllAcceptedCredentials?.({ rpId, userId: userHandle, allAcceptedCredentialIds: accepted })
      ?.catch(() => {});
    credential
      ?.signalCurrentUserDetails?.({ rpId, userId: userHandle, name: username, displayName: username })
      ?.catch(() => {});
  }

  /** The passkeys of this site offered in the username field's autofill, where the browser can. */
  async function offerInAutofill(form) {
    if (!(await webauthn.browserSupportsWebAuthnAutofill())) return;
    runCeremony(form, null, true);
  }

  /**
   * Right after a sign-in: where the browser can make a passkey without a dialog (conditional
   * create), ask its password manager to, and post the result. Anything else (no such
   * capability, the manager saying no) leaves the page as it is, with its offer line.
   */
  async function autoRegister(form) {
    const capabilities = await window.PublicKeyCredential?.getClientCapabilities?.().catch(() => null);
    if (!capabilities?.conditionalCreate) return;
    try {
      const optionsJSON = await optionsFrom(form, form.dataset.webauthnOptions);
      const answer = await webauthn.startRegistration({ optionsJSON, useAutoRegister: true });
      form.elements.credential.value = JSON.stringify(answer);
      form.requestSubmit();
    } catch {
      // Declined or impossible: the offer line is still there to use.
    }
  }

  function enhance(root) {
    if (!supported) return;
    for (const element of root.querySelectorAll("[data-webauthn]")) element.hidden = false;
    for (const element of root.querySelectorAll("[data-webauthn-fallback]")) element.hidden = true;
    for (const element of root.querySelectorAll("[data-webauthn-signal]")) signalCredentials(element);
    for (const form of root.querySelectorAll("form[data-webauthn-auto-register]")) autoRegister(form);
    const autofill = root.querySelector("form[data-webauthn-autofill]");
    if (autofill) offerInAutofill(autofill);
  }

  document.addEventListener("DOMContentLoaded", () => enhance(document));
  document.addEventListener("htmx:load", (event) => enhance(event.target));

  document.addEventListener("click", (event) => {
    const button = event.target instanceof Element ? event.target.closest("button[data-webauthn-start]") : null;
    if (!button || !supported) return;
    runCeremony(button.form, button);
  });

  // A sensitive action submitted without a code: before the form goes (htmx listens on the form
  // itself, so this runs first, in the capture phase), its passkey gives the proof.
  document.addEventListener(
    "submit",
    async (event) => {
      const form = event.target;
      if (!supported || !(form instanceof HTMLFormElement) || !form.dataset.webauthnProof) return;
      if (form.dataset.webauthnOptions || form.elements.otp?.value.trim() || form.elements.assertion?.value) return;
      event.preventDefault();
      event.stopPropagation();
      const button = form.querySelector("button[type=submit]");
      setBusy(button, true);
      try {
        await proveWithPasskey(form);
        form.requestSubmit();
      } catch (error) {
        showError(form, messageFor(error));
      } finally {
        setBusy(button, false);
      }
    },
    true,
  );
})();
