import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from "@simplewebauthn/server";
import type { Claim } from "../../db/database";
import type { ChallengePurpose, User, WebAuthnCredential, WebAuthnKind } from "../../db/tables";
import type { Failure } from "../outcomes";
import { CHALLENGE_LIFETIME_MS, type NewCredential, type WebAuthnStore } from "./webauthn-credentials";

/** Who the credentials are for: the host name of APP_ORIGIN, never the request's Host header. */
export type RelyingParty = { id: string; name: string; origin: string };

export const relyingPartyOf = (appOrigin: string, appName: string): RelyingParty => ({
  id: new URL(appOrigin).hostname,
  name: appName,
  origin: new URL(appOrigin).origin,
});

/** @simplewebauthn/server and its X.509 and ASN.1 libraries slow the start: loaded at the first ceremony. */
let library: Promise<typeof import("@simplewebauthn/server")> | undefined;
const simpleWebAuthn = () => {
  library ??= import("@simplewebauthn/server");
  return library;
};

/** ES256, Ed25519 and RS256: what every authenticator in use speaks, and no more. */
const ALGORITHMS = [-7, -8, -257];

/**
 * What a person asks to register. On /setup-2fa, "either": a passkey if the authenticator
 * makes one, else a security key; on /account, the one they chose.
 */
export type RegistrationKind = WebAuthnKind | "either";
/** What a registration is for: the first factor, another one, or a passkey added right after a sign-in. */
export type RegistrationPurpose = "enroll" | "add" | "upgrade";

/**
 * What a ceremony is for, whose credential may answer (anyone's for passwordless), whether the
 * authenticator must have checked who holds it, and what must stand with the use (`claim`).
 */
type AssertionRules = {
  purpose: ChallengePurpose;
  userId: number | null;
  requireUserVerification: boolean;
  claim?: Claim;
};

const ASSERTION_FIELDS = ["clientDataJSON", "authenticatorData", "signature"] as const;
const ATTESTATION_FIELDS = ["clientDataJSON", "attestationObject"] as const;

export type VerifiedAssertion = { credential: WebAuthnCredential };

// Flags of authenticator data (WebAuthn §6.1): user verified.
const USER_VERIFIED = 0x04;

/** The longest credential id WebAuthn allows (§5.1.1): longer ones are refused, not stored. */
const CREDENTIAL_ID_MAX_BYTES = 1023;

/** The transports WebAuthn names; others are dropped, as the spec asks of a relying party. */
const TRANSPORTS = new Set(["ble", "cable", "hybrid", "internal", "nfc", "smart-card", "usb"]);

const BASE64URL = /^[A-Za-z0-9_-]+$/;
const isBase64url = (value: unknown): value is string => typeof value === "string" && BASE64URL.test(value);
const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * The challenge an answer's client data names, or null when it names none or the ceremony ran
 * inside another site's frame: the pages forbid framing, so a cross-origin answer is refused.
 */
function readChallenge({ response }: { response: { clientDataJSON: string } }): string | null {
  try {
    const clientData = JSON.parse(Buffer.from(response.clientDataJSON, "base64url").toString("utf8"));
    if (!isObject(clientData) || clientData.crossOrigin === true || clientData.topOrigin !== undefined) return null;
    return typeof clientData.challenge === "string" ? clientData.challenge : null;
  } catch {
    return null;
  }
}

/** The fields of an assertion read before its signature, or null when it is not one. */
function readAssertion(answer: AuthenticationResponseJSON) {
  const challenge = readChallenge(answer);
  const authData = Buffer.from(answer.response.authenticatorData, "base64url");
  if (!challenge || authData.length < 37) return null;
  return { challenge, flags: authData[32] ?? 0, counter: authData.readUInt32BE(33) };
}

/**
 * A browser's answer, as the form carried it, rebuilt from the fields we use once each has the
 * type WebAuthn gives it; null otherwise. Every field is the sender's to forge, so none is
 * used unchecked: the id within the spec's length, the transports a list, the handle a string.
 */
function parseResponse<Shape>(json: string, fields: readonly string[]): Shape | null {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return null;
  }
  if (!isObject(value) || value.type !== "public-key" || !isBase64url(value.id) || value.rawId !== value.id)
    return null;
  const idBytes = Buffer.from(value.id, "base64url").length;
  if (idBytes === 0 || idBytes > CREDENTIAL_ID_MAX_BYTES) return null;
  const inner = value.response;
  if (!isObject(inner) || !fields.every((field) => isBase64url(inner[field]))) return null;
  const { transports, userHandle } = inner;
  if (transports !== undefined && !(Array.isArray(transports) && transports.every((t) => typeof t === "string"))) {
    return null;
  }
  if (userHandle !== undefined && userHandle !== null && !isBase64url(userHandle)) return null;
  const extensions = value.clientExtensionResults;
  if (extensions !== undefined && !isObject(extensions)) return null;
  const credProps = extensions?.credProps;
  const response: Record<string, unknown> = Object.fromEntries(fields.map((field) => [field, inner[field]]));
  if (transports) response.transports = [...new Set(transports.filter((t) => TRANSPORTS.has(t)))];
  if (typeof userHandle === "string") response.userHandle = userHandle;
  return {
    id: value.id,
    rawId: value.id,
    type: "public-key",
    response,
    clientExtensionResults:
      isObject(credProps) && typeof credProps.rk === "boolean" ? { credProps: { rk: credProps.rk } } : {},
  } as Shape;
}

/** Whether an assertion's user handle names the user `handle` is of (WebAuthn §7.2, step 6). */
const sameHandle = (given: string, handle: string | null) =>
  handle !== null && Buffer.from(given, "base64url").equals(Buffer.from(handle, "base64url"));

const failed: Failure = { reason: "webauthn_failed" };
const keyFailed: Failure = { reason: "new_key_failed" };

/**
 * The WebAuthn ceremonies: options to hand the browser, and checks of what it answers. Each
 * challenge is stored for its owner and purpose and spent before anything else is checked.
 */
export function webauthnCeremonies(store: WebAuthnStore, rp: RelyingParty) {
  const descriptors = (credentials: WebAuthnCredential[]) =>
    credentials.map(({ id, transports }) => ({
      id,
      transports: transports ? transports.split(",") : undefined,
    }));

  return {
    /**
     * `upgrade` is a passkey the browser's password manager may make without a dialog right
     * after a sign-in (conditional create): it cannot be asked to verify the person.
     */
    async registrationOptions(
      user: User,
      owner: string,
      purpose: RegistrationPurpose,
      kind: RegistrationKind,
    ): Promise<PublicKeyCredentialCreationOptionsJSON> {
      const { generateRegistrationOptions } = await simpleWebAuthn();
      const options = await generateRegistrationOptions({
        rpName: rp.name,
        rpID: rp.id,
        userName: user.username,
        userID: Buffer.from(await store.userHandle(user), "base64url"),
        timeout: CHALLENGE_LIFETIME_MS,
        attestationType: "none",
        // The same authenticator twice would be no second factor.
        excludeCredentials: descriptors(await store.list(user.id)),
        authenticatorSelection:
          purpose === "upgrade"
            ? { residentKey: "required", userVerification: "preferred" }
            : kind === "passkey"
              ? { residentKey: "required", userVerification: "required" }
              : kind === "security_key"
                ? // A key carried from device to device (USB, NFC, Bluetooth), not this device's own.
                  {
                    residentKey: "discouraged",
                    userVerification: "discouraged",
                    authenticatorAttachment: "cross-platform",
                  }
                : { residentKey: "preferred", userVerification: "preferred" },
        preferredAuthenticatorType: kind === "security_key" ? "securityKey" : undefined,
        extensions: { credProps: true },
        supportedAlgorithmIDs: ALGORITHMS,
      });
      await store.issueChallenge(owner, purpose, options.challenge);
      return options;
    },

    /**
     * A registration checked, as the credential to store under `name`, or a Failure. Nothing is
     * stored yet: a caller that asks for a proof besides checks this first, so a refused
     * registration spends no proof.
     */
    async verifyRegistration(
      user: User,
      owner: string,
      purpose: RegistrationPurpose,
      kind: RegistrationKind,
      json: string,
      name: string,
    ): Promise<NewCredential | Failure> {
      const response = parseResponse<RegistrationResponseJSON>(json, ATTESTATION_FIELDS);
      const challenge = response && readChallenge(response);
      if (!response || !challenge) return keyFailed;
      if (!(await store.spendChallenge(owner, purpose, challenge))) return { reason: "new_key_expired" };
      const { verifyRegistrationResponse } = await simpleWebAuthn();
      let verified: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
      try {
        verified = await verifyRegistrationResponse({
          response,
          expectedChallenge: challenge,
          expectedOrigin: rp.origin,
          expectedRPID: rp.id,
          // Made without a dialog, an upgrade has neither presence nor verification to show; its
          // options went only to a session that had just given both factors (account.ts).
          requireUserVerification: kind === "passkey" && purpose !== "upgrade",
          requireUserPresence: purpose !== "upgrade",
          supportedAlgorithmIDs: ALGORITHMS,
        });
      } catch {
        return keyFailed;
      }
      if (!verified.verified) return keyFailed;
      const info = verified.registrationInfo;
      // Without a choice, a discoverable credential that checked its holder is a passkey.
      const discoverable = response.clientExtensionResults?.credProps?.rk === true;
      return {
        id: info.credential.id,
        userId: user.id,
        publicKey: Buffer.from(info.credential.publicKey).toString("base64url"),
        counter: info.credential.counter,
        transports: info.credential.transports?.join(",") || null,
        kind: kind === "either" ? (discoverable && info.userVerified ? "passkey" : "security_key") : kind,
        backupEligible: info.credentialDeviceType === "multiDevice",
        backedUp: info.credentialBackedUp,
        aaguid: info.aaguid,
        name,
        addedAutomatically: purpose === "upgrade",
      };
    },

    /**
     * Stores a checked registration; a Failure when its id is registered already. With
     * `claim`, stored only if the claim stands too.
     */
    async store(made: NewCredential, claim?: Claim): Promise<WebAuthnCredential | Failure> {
      const added = await store.add(made, claim);
      if (added === "unclaimed") return { reason: "already_completed" };
      if (!added) return { reason: "new_key_taken" };
      return (await store.find(made.id)) ?? keyFailed;
    },

    async authenticationOptions(
      owner: string,
      purpose: ChallengePurpose,
      userId: number | null,
    ): Promise<PublicKeyCredentialRequestOptionsJSON> {
      const { generateAuthenticationOptions } = await simpleWebAuthn();
      const options = await generateAuthenticationOptions({
        rpID: rp.id,
        timeout: CHALLENGE_LIFETIME_MS,
        // Passwordless: any discoverable credential of this site, which names its user itself.
        allowCredentials: userId === null ? [] : descriptors(await store.list(userId)),
        userVerification: purpose === "passwordless" ? "required" : "preferred",
      });
      await store.issueChallenge(owner, purpose, options.challenge);
      return options;
    },

    /**
     * An assertion checked: its challenge spent, its credential one of `userId`'s (any user's
     * for passwordless), its signature, origin and RP ID right, its user handle the owner's
     * (required for passwordless), user verification present when required, and its counter
     * moving forward. Until the signature holds, every failure gets one answer: someone without
     * the key learns neither whether an id is registered, nor to whom, nor its counter.
     */
    async authenticate(owner: string, json: string, rules: AssertionRules): Promise<VerifiedAssertion | Failure> {
      const response = parseResponse<AuthenticationResponseJSON>(json, ASSERTION_FIELDS);
      const read = response && readAssertion(response);
      if (!response || !read) return failed;
      if (!(await store.spendChallenge(owner, rules.purpose, read.challenge))) return { reason: "webauthn_expired" };
      const credential = await store.find(response.id);
      if (!credential || (rules.userId !== null && credential.userId !== rules.userId)) return failed;
      const handle = response.response.userHandle;
      // A discoverable credential names its user itself: passwordless needs that name (§7.2, step 6).
      if (rules.userId === null && !handle) return failed;
      const { verifyAuthenticationResponse } = await simpleWebAuthn();
      let verified: Awaited<ReturnType<typeof verifyAuthenticationResponse>>;
      try {
        verified = await verifyAuthenticationResponse({
          response,
          expectedChallenge: read.challenge,
          expectedOrigin: rp.origin,
          expectedRPID: rp.id,
          // The library checks the counter and user verification before the signature: both are
          // checked below instead, once the signature holds.
          credential: { id: credential.id, publicKey: Buffer.from(credential.publicKey, "base64url"), counter: 0 },
          requireUserVerification: false,
        });
      } catch {
        return failed;
      }
      if (!verified.verified) return failed;
      if (handle && !sameHandle(handle, await store.handleOf(credential.userId))) return failed;
      if (rules.requireUserVerification && !(read.flags & USER_VERIFIED)) return { reason: "webauthn_unverified" };
      // An authenticator that counts must count up: one going back may have been cloned.
      if ((read.counter > 0 || credential.counter > 0) && read.counter <= credential.counter) {
        return { reason: "webauthn_cloned" };
      }
      const { newCounter, credentialBackedUp } = verified.authenticationInfo;
      const used = await store.recordUse(credential, newCounter, credentialBackedUp, rules.claim);
      if (used === "unclaimed") return { reason: "already_completed" };
      if (!used) return { reason: "webauthn_cloned" };
      return { credential };
    },
  };
}

export type WebAuthnCeremonies = ReturnType<typeof webauthnCeremonies>;
