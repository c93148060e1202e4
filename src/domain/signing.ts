// Standard Webhooks signatures (https://www.standardwebhooks.com/, "Signature scheme"), over
// `${id}.${timestamp}.${body}`. The secret's prefix says which scheme it is, as the spec
// intends, so an endpoint needs no separate setting and a rotation may switch schemes:
// - `whsec_<base64 key>`: symmetric, `v1,` + base64 HMAC-SHA256 with the decoded key;
// - `whsk_<base64 ed25519 seed>`: asymmetric, `v1a,` + base64 ed25519 signature; receivers
//   verify with the public key, `whpk_<base64 raw 32-byte key>`.
import {
  createHmac,
  createPrivateKey,
  createPublicKey,
  randomBytes,
  sign as cryptoSign,
  type KeyObject,
} from "node:crypto";
import { invalid } from "../lib/errors.js";
import type { Endpoint } from "./model.js";

const SYMMETRIC = "whsec_";
const ASYMMETRIC = "whsk_";
const PUBLIC = "whpk_";
const SEED_BYTES = 32;
/** PKCS#8 DER header of an Ed25519 private key (RFC 8410); the 32-byte seed follows it. */
const PKCS8_ED25519_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");

export type SignatureScheme = "hmac-sha256" | "ed25519";

/** A new secret: `whsec_` + 24 random bytes as Svix mints them, or a fresh ed25519 seed. */
export function newSecret(scheme: SignatureScheme = "hmac-sha256"): string {
  return scheme === "ed25519"
    ? ASYMMETRIC + randomBytes(SEED_BYTES).toString("base64")
    : SYMMETRIC + randomBytes(24).toString("base64");
}

export function schemeOf(secret: string): SignatureScheme {
  return secret.startsWith(ASYMMETRIC) ? "ed25519" : "hmac-sha256";
}

/**
 * Secrets as we keep them: symmetric ones may arrive without their prefix (Svix accepts
 * that); ed25519 ones are checked and stored as the 32-byte seed, also when given in the
 * 64-byte seed‖public-key form libsodium uses. `field` names the input in the 422.
 */
export function normalizeSecret(secret: string, field: string[] = ["body", "secret"]): string {
  if (!secret.startsWith(ASYMMETRIC)) return secret.startsWith(SYMMETRIC) ? secret : SYMMETRIC + secret;
  const raw = Buffer.from(secret.slice(ASYMMETRIC.length), "base64");
  if (raw.length !== SEED_BYTES && raw.length !== 2 * SEED_BYTES) {
    throw invalid(
      field,
      "a whsk_ key must be the base64 of a 32-byte ed25519 seed (or of the 64-byte seed and public key)",
    );
  }
  const seed = raw.subarray(0, SEED_BYTES);
  const normalized = ASYMMETRIC + seed.toString("base64");
  if (raw.length === 2 * SEED_BYTES && !publicKeyOf(normalized).equals(raw.subarray(SEED_BYTES))) {
    throw invalid(field, "the public half of this 64-byte whsk_ key does not belong to its seed");
  }
  return normalized;
}

function privateKey(secret: string): KeyObject {
  const seed = Buffer.from(secret.slice(ASYMMETRIC.length), "base64");
  return createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: "der", type: "pkcs8" });
}

function publicKeyOf(secret: string): Buffer {
  const jwk = createPublicKey(privateKey(secret)).export({ format: "jwk" });
  return Buffer.from(String(jwk.x), "base64url");
}

/** The `whpk_` key receivers verify `v1a` signatures with; null for a symmetric secret. */
export function publicKey(secret: string): string | null {
  return schemeOf(secret) === "ed25519" ? PUBLIC + publicKeyOf(secret).toString("base64") : null;
}

export function sign(secret: string, msgId: string, timestampSeconds: number, body: string | Buffer): string {
  const prefix = `${msgId}.${timestampSeconds}.`;
  if (schemeOf(secret) === "ed25519") {
    const content = Buffer.concat([Buffer.from(prefix), Buffer.from(body)]);
    return `v1a,${cryptoSign(null, content, privateKey(secret)).toString("base64")}`;
  }
  const key = Buffer.from(normalizeSecret(secret).slice(SYMMETRIC.length), "base64");
  // Fed in two parts: the same MAC as over the concatenation, without copying the body.
  return `v1,${createHmac("sha256", key).update(prefix).update(body).digest("base64")}`;
}

/**
 * The `webhook-signature` value: the current secret's signature, then one per rotated-out
 * secret still in its grace period, space-separated, so receivers that have not switched yet
 * keep verifying.
 */
export function signatureHeader(
  endpoint: Pick<Endpoint, "secret" | "retiredSecrets">,
  msgId: string,
  timestampSeconds: number,
  body: string | Buffer,
  nowMs: number,
): string {
  const keys = [endpoint.secret, ...endpoint.retiredSecrets.filter((s) => s.expiresAt > nowMs).map((s) => s.key)];
  return keys.map((key) => sign(key, msgId, timestampSeconds, body)).join(" ");
}
