import { createCipheriv, createDecipheriv } from "node:crypto";
import { deriveKey } from "./crypto";

// The prefix names the key a value was sealed with, so a new key can be added beside
// the old one and values re-sealed over time.
const VERSION = "v1";

/**
 * AES-256-GCM under a key derived from APP_SECRET. `context` (the owner's id) is bound
 * in as associated data, so a sealed value copied onto another row does not open.
 */
export function secretBox(appSecret: string) {
  const key = deriveKey(appSecret, "totp-key-encryption");

  return {
    seal(plaintext: string, context: string): string {
      const iv = crypto.getRandomValues(new Uint8Array(12));
      const cipher = createCipheriv("aes-256-gcm", key, iv).setAAD(Buffer.from(context));
      const sealed = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final(), cipher.getAuthTag()]);
      return `${VERSION}:${Buffer.from(iv).toString("base64url")}:${sealed.toString("base64url")}`;
    },

    /** The plaintext, or an exception when the value was altered, moved, or sealed under another key. */
    open(value: string, context: string): string {
      const [version, iv, sealed] = value.split(":");
      if (version !== VERSION || !iv || !sealed) throw new Error("unknown sealed-value format");
      const bytes = Buffer.from(sealed, "base64url");
      const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url")).setAAD(Buffer.from(context));
      decipher.setAuthTag(bytes.subarray(-16));
      return Buffer.concat([decipher.update(bytes.subarray(0, -16)), decipher.final()]).toString("utf8");
    },
  };
}

export type SecretBox = ReturnType<typeof secretBox>;
