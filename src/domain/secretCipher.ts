// Endpoint secrets at rest: AES-256-GCM with a key derived (HKDF-SHA256) from the operator's
// main secret, so a copy of the database file does not hand out signing keys. Values are
// stored as `enc:v1:<base64 iv|tag|ciphertext>`; a value without the prefix is plaintext,
// written before encryption was configured, and is encrypted again on its next write.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

const PREFIX = "enc:v1:";
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface SecretCipher {
  seal(plaintext: string): string;
  open(stored: string): string;
}

/** Without a main secret: stores plaintext, and refuses values that were encrypted. */
export const plaintextCipher: SecretCipher = {
  seal: (plaintext) => plaintext,
  open: (stored) => {
    if (stored.startsWith(PREFIX)) {
      throw new Error(
        "endpoint secrets in this database are encrypted: set HOOKLANE_MAIN_SECRET to the key they were written with",
      );
    }
    return stored;
  },
};

export function aesGcmCipher(mainSecret: string): SecretCipher {
  const key = Buffer.from(hkdfSync("sha256", mainSecret, "hooklane", "endpoint secrets v1", 32));
  return {
    seal(plaintext) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv("aes-256-gcm", key, iv);
      const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
      return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64");
    },
    open(stored) {
      if (!stored.startsWith(PREFIX)) return stored;
      const raw = Buffer.from(stored.slice(PREFIX.length), "base64");
      const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(0, IV_BYTES));
      decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      try {
        return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString("utf8");
      } catch {
        throw new Error(
          "cannot decrypt an endpoint secret: HOOKLANE_MAIN_SECRET differs from the one it was written with",
        );
      }
    },
  };
}
