import { createHash } from "node:crypto";
import { type CBORType, encodeCBOR } from "@levischuck/tiny-cbor";

/**
 * A software WebAuthn authenticator for route tests: ES256 keys from WebCrypto, `none`
 * attestation, and authenticator data built by hand (WebAuthn §6.1), so a test can make
 * exactly the answer an attacker would: another origin, another RP ID, no user verification,
 * a counter going back.
 */

type Json = Record<string, unknown>;
const b64url = (bytes: Uint8Array | ArrayBuffer) => Buffer.from(bytes as ArrayBuffer).toString("base64url");
const sha256 = (data: Uint8Array | string) => new Uint8Array(createHash("sha256").update(data).digest());

// Authenticator data flags.
const USER_PRESENT = 0x01;
const USER_VERIFIED = 0x04;
const BACKUP_ELIGIBLE = 0x08;
const BACKED_UP = 0x10;
const ATTESTED_DATA = 0x40;

/** How the authenticator answers: each can be set per call to play an attacker or a broken key. */
export type Behaviour = {
  origin: string;
  /** The RP ID it signs for: the options' by default. */
  rpId?: string;
  userVerified: boolean;
  /** A synced passkey: backup eligible and backed up, and no counter (always 0). */
  synced: boolean;
  /** Makes a discoverable credential (credProps.rk). */
  residentKey: boolean;
  /** Sets the user-present flag: a real authenticator always does. */
  userPresent: boolean;
  /** What the client data says of the frame the ceremony ran in. */
  crossOrigin?: boolean;
  topOrigin?: string;
  /** The registration's `transports`, whatever it is: a list of strings from a real browser. */
  transports?: unknown;
  /** The length in bytes of a new credential's id. */
  idBytes?: number;
  /** The assertion's user handle: the credential's own by default, none when null. */
  userHandle?: string | null;
  /** Signs with a key of its own instead of the credential's: a forgery. */
  forged?: boolean;
  /** What kind of authenticator it says it is, as a UUID: none (zeros) by default. */
  aaguid?: string;
};

type StoredCredential = {
  id: Uint8Array;
  keys: CryptoKeyPair;
  rpId: string;
  userHandle: string;
  counter: number;
  synced: boolean;
};

/** ECDSA from WebCrypto is r‖s; WebAuthn wants it DER-encoded. */
function derSignature(raw: Uint8Array): Uint8Array {
  const integer = (bytes: Uint8Array) => {
    let start = 0;
    while (start < bytes.length - 1 && bytes[start] === 0) start++;
    let value = bytes.slice(start);
    if ((value[0] ?? 0) & 0x80) value = Uint8Array.from([0, ...value]);
    return Uint8Array.from([0x02, value.length, ...value]);
  };
  const r = integer(raw.slice(0, 32));
  const s = integer(raw.slice(32));
  return Uint8Array.from([0x30, r.length + s.length, ...r, ...s]);
}

const newKeyPair = async () =>
  (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"])) as CryptoKeyPair;

function counterBytes(counter: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, counter);
  return bytes;
}

export class SoftAuthenticator {
  readonly credentials: StoredCredential[] = [];
  behaviour: Behaviour;

  constructor(behaviour: Partial<Behaviour> & { origin: string }) {
    this.behaviour = { userVerified: true, synced: false, residentKey: true, userPresent: true, ...behaviour };
  }

  private flags(behaviour: Behaviour, extra: number) {
    let flags = (behaviour.userPresent ? USER_PRESENT : 0) | extra;
    if (behaviour.userVerified) flags |= USER_VERIFIED;
    if (behaviour.synced) flags |= BACKUP_ELIGIBLE | BACKED_UP;
    return flags;
  }

  /** The answer navigator.credentials.create() would give, as @simplewebauthn/browser sends it. */
  async register(options: Json, overrides: Partial<Behaviour> = {}): Promise<string> {
    const behaviour = { ...this.behaviour, ...overrides };
    const rp = options.rp as { id: string };
    const rpId = behaviour.rpId ?? rp.id;
    const keys = await newKeyPair();
    const jwk = await crypto.subtle.exportKey("jwk", keys.publicKey);
    const coseKey = encodeCBOR(
      new Map<number, number | Uint8Array>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, Buffer.from(jwk.x ?? "", "base64url")],
        [-3, Buffer.from(jwk.y ?? "", "base64url")],
      ]),
    );
    const id = crypto.getRandomValues(new Uint8Array(behaviour.idBytes ?? 32));
    const authData = Uint8Array.from([
      ...sha256(rpId),
      this.flags(behaviour, ATTESTED_DATA),
      ...counterBytes(0),
      ...(behaviour.aaguid ? Buffer.from(behaviour.aaguid.replaceAll("-", ""), "hex") : new Uint8Array(16)),
      id.length >> 8,
      id.length & 0xff,
      ...id,
      ...coseKey,
    ]);
    const clientDataJSON = JSON.stringify({
      type: "webauthn.create",
      challenge: options.challenge,
      origin: behaviour.origin,
      crossOrigin: behaviour.crossOrigin ?? false,
      topOrigin: behaviour.topOrigin,
    });
    const user = options.user as { id: string };
    this.credentials.push({ id, keys, rpId, userHandle: user.id, counter: 0, synced: behaviour.synced });
    return JSON.stringify({
      id: b64url(id),
      rawId: b64url(id),
      type: "public-key",
      response: {
        clientDataJSON: b64url(new TextEncoder().encode(clientDataJSON)),
        attestationObject: b64url(
          encodeCBOR(
            new Map<string, CBORType>([
              ["fmt", "none"],
              ["attStmt", new Map()],
              ["authData", authData],
            ]),
          ),
        ),
        transports: "transports" in behaviour ? behaviour.transports : ["internal"],
      },
      clientExtensionResults: { credProps: { rk: behaviour.residentKey } },
      authenticatorAttachment: "platform",
    });
  }

  /**
   * The answer navigator.credentials.get() would give, from `credential` (by default the
   * newest, or for a discoverable request, the newest of the RP). `counter` forces the count.
   */
  async authenticate(
    options: Json,
    overrides: Partial<Behaviour> & { credential?: StoredCredential; counter?: number } = {},
  ): Promise<string> {
    const behaviour = { ...this.behaviour, ...overrides };
    const credential = overrides.credential ?? this.credentials.at(-1);
    if (!credential) throw new Error("no credential to answer with");
    const rpId = behaviour.rpId ?? (options.rpId as string);
    if (overrides.counter !== undefined) credential.counter = overrides.counter;
    else if (!credential.synced) credential.counter += 1;
    const authData = Uint8Array.from([
      ...sha256(rpId),
      this.flags({ ...behaviour, synced: credential.synced }, 0),
      ...counterBytes(credential.counter),
    ]);
    const clientDataJSON = new TextEncoder().encode(
      JSON.stringify({
        type: "webauthn.get",
        challenge: options.challenge,
        origin: behaviour.origin,
        crossOrigin: behaviour.crossOrigin ?? false,
        topOrigin: behaviour.topOrigin,
      }),
    );
    const signed = Uint8Array.from([...authData, ...sha256(clientDataJSON)]);
    const signer = behaviour.forged ? (await newKeyPair()).privateKey : credential.keys.privateKey;
    const raw = new Uint8Array(await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, signer, signed));
    return JSON.stringify({
      id: b64url(credential.id),
      rawId: b64url(credential.id),
      type: "public-key",
      response: {
        clientDataJSON: b64url(clientDataJSON),
        authenticatorData: b64url(authData),
        signature: b64url(derSignature(raw)),
        userHandle: behaviour.userHandle === undefined ? credential.userHandle : (behaviour.userHandle ?? undefined),
      },
      clientExtensionResults: {},
    });
  }
}
