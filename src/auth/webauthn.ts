import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from "@simplewebauthn/server";
import type { ChallengePurpose, User, WebAuthnCredential, WebAuthnKind } from "../db/tables";
import type { Failure } from "./outcomes";
import { CHALLENGE_LIFETIME_MS, type NewCredential, type WebAuthnStore } from "./webauthn-credentials";

/** Who the credentials are for: the host name of APP_ORIGIN, never the request's Host header. */
export type RelyingParty = { id: string; name: string; origin: string };

export const relyingPartyOf = (appOrigin: string, appName: string): RelyingParty => ({
  id: new URL(appOrigin).hostname,
  name: appName,
  origin: new URL(appOrigin).origin,
});

/**
 * @simplewebauthn/server and the X.509 and ASN.1 libraries it brings, loaded at start, made start
 * take 254 ms, not 163, and peak RSS 161.8 MB, not 143.9 (README, Performance): loaded at the
 * first ceremony instead.
 */
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

/** What a ceremony is for, and whether the authenticator must have checked who holds it. */
type AssertionRules = { purpose: ChallengePurpose; userId: number | null; requireUserVerification: boolean };

export type VerifiedAssertion = { credential: WebAuthnCredential };

// Flags of authenticator data (WebAuthn §6.1): user present, user verified.
const USER_VERIFIED = 0x04;

/** The challenge an answer's client data names, or null when it names none. */
function readChallenge({ response }: { response: { clientDataJSON: string } }): string | null {
  try {
    const clientData = JSON.parse(Buffer.from(response.clientDataJSON, "base64url").toString("utf8"));
    return typeof clientData?.challenge === "string" ? clientData.challenge : null;
  } catch {
    return null;
  }
}

/** The fields of an assertion checked before its signature, or null when it is not one. */
function readAssertion(answer: AuthenticationResponseJSON) {
  const challenge = readChallenge(answer);
  const authData = Buffer.from(answer.response.authenticatorData, "base64url");
  if (!challenge || authData.length < 37) return null;
  return { challenge, flags: authData[32] ?? 0, counter: authData.readUInt32BE(33) };
}

/** A browser's answer, as the form carried it: JSON of the shape the browser library makes, or null. */
function parseResponse<Shape>(json: string, fields: string[]): Shape | null {
  try {
    const value = JSON.parse(json);
    const inner = value?.response;
    const ok =
      typeof value?.id === "string" &&
      value.type === "public-key" &&
      typeof inner === "object" &&
      inner !== null &&
      fields.every((field) => typeof inner[field] === "string");
    return ok ? ({ clientExtensionResults: {}, ...value } as Shape) : null;
  } catch {
    return null;
  }
}

const failed: Failure = { reason: "webauthn_failed" };

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
    async registrationOptions(
      user: User,
      owner: string,
      purpose: "enroll" | "add",
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
          kind === "passkey"
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

    /** A registration checked and stored under `name`; a Failure when it does not hold. */
    async register(
      user: User,
      owner: string,
      purpose: "enroll" | "add",
      kind: RegistrationKind,
      json: string,
      name: string,
    ): Promise<WebAuthnCredential | Failure> {
      const response = parseResponse<RegistrationResponseJSON>(json, ["clientDataJSON", "attestationObject"]);
      const challenge = response && readChallenge(response);
      if (!response || !challenge) return failed;
      if (!(await store.spendChallenge(owner, purpose, challenge))) return { reason: "webauthn_expired" };
      const { verifyRegistrationResponse } = await simpleWebAuthn();
      let verified: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
      try {
        verified = await verifyRegistrationResponse({
          response,
          expectedChallenge: challenge,
          expectedOrigin: rp.origin,
          expectedRPID: rp.id,
          requireUserVerification: kind === "passkey",
          supportedAlgorithmIDs: ALGORITHMS,
        });
      } catch {
        return failed;
      }
      if (!verified.verified) return failed;
      const info = verified.registrationInfo;
      // Without a choice, a discoverable credential that checked its holder is a passkey.
      const discoverable = response.clientExtensionResults?.credProps?.rk === true;
      const made: NewCredential = {
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
      };
      if (!(await store.add(made))) return failed;
      return (await store.find(made.id)) ?? failed;
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
     * for passwordless), its signature, origin and RP ID right, user verification present when
     * required, and its counter moving forward.
     */
    async authenticate(owner: string, json: string, rules: AssertionRules): Promise<VerifiedAssertion | Failure> {
      const response = parseResponse<AuthenticationResponseJSON>(json, [
        "clientDataJSON",
        "authenticatorData",
        "signature",
      ]);
      const read = response && readAssertion(response);
      if (!response || !read) return failed;
      if (!(await store.spendChallenge(owner, rules.purpose, read.challenge))) return { reason: "webauthn_expired" };
      const credential = await store.find(response.id);
      if (!credential || (rules.userId !== null && credential.userId !== rules.userId)) {
        return { reason: "webauthn_unknown" };
      }
      if (rules.requireUserVerification && !(read.flags & USER_VERIFIED)) return { reason: "webauthn_unverified" };
      // An authenticator that counts must count up: one going back may have been cloned.
      if ((read.counter > 0 || credential.counter > 0) && read.counter <= credential.counter) {
        return { reason: "webauthn_cloned" };
      }
      const { verifyAuthenticationResponse } = await simpleWebAuthn();
      let verified: Awaited<ReturnType<typeof verifyAuthenticationResponse>>;
      try {
        verified = await verifyAuthenticationResponse({
          response,
          expectedChallenge: read.challenge,
          expectedOrigin: rp.origin,
          expectedRPID: rp.id,
          credential: {
            id: credential.id,
            publicKey: Buffer.from(credential.publicKey, "base64url"),
            counter: credential.counter,
          },
          requireUserVerification: rules.requireUserVerification,
        });
      } catch {
        return failed;
      }
      if (!verified.verified) return failed;
      const { newCounter, credentialBackedUp } = verified.authenticationInfo;
      if (!(await store.recordUse(credential, newCounter, credentialBackedUp))) return { reason: "webauthn_cloned" };
      return { credential };
    },
  };
}

export type WebAuthnCeremonies = ReturnType<typeof webauthnCeremonies>;
