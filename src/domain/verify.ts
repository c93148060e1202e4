// Checking a Standard Webhooks signature as a receiver does (https://www.standardwebhooks.com/,
// "Verifying"): any one of the space-separated signatures must match (`v1,` compared in
// constant time with a `whsec_` secret; `v1a,` checked with a `whpk_` ed25519 public key),
// and the timestamp must be recent so a captured request cannot be replayed.
import { createPublicKey, timingSafeEqual, verify as cryptoVerify } from "node:crypto";
import { sign } from "./signing.js";

/** The spec's suggested tolerance for clock skew and delivery delay. */
export const DEFAULT_TOLERANCE_SECONDS = 5 * 60;

export type Verification = { valid: true } | { valid: false; reason: string };

export interface SignedRequest {
  id: string | undefined;
  timestamp: string | undefined;
  signature: string | undefined;
  body: string;
}

export function verifySignature(
  secret: string,
  request: SignedRequest,
  nowMs: number,
  toleranceSeconds: number | null = DEFAULT_TOLERANCE_SECONDS,
): Verification {
  const { id, timestamp, signature, body } = request;
  if (!id || !timestamp || !signature) return { valid: false, reason: "missing webhook-id, -timestamp or -signature" };
  const seconds = Number(timestamp);
  if (!Number.isInteger(seconds)) return { valid: false, reason: "timestamp is not unix seconds" };
  if (toleranceSeconds !== null && Math.abs(nowMs / 1000 - seconds) > toleranceSeconds) {
    return { valid: false, reason: `timestamp is more than ${toleranceSeconds} s away from now` };
  }
  if (secret.startsWith(PUBLIC)) return verifyEd25519(secret, id, seconds, signature, body);
  let expected: Buffer;
  try {
    expected = Buffer.from(sign(secret, id, seconds, body));
  } catch {
    return { valid: false, reason: "secret is not base64" };
  }
  for (const candidate of signature.split(" ")) {
    const given = Buffer.from(candidate);
    if (given.length === expected.length && timingSafeEqual(given, expected)) return { valid: true };
  }
  return { valid: false, reason: "no signature matches the secret" };
}

const PUBLIC = "whpk_";

function verifyEd25519(publicKey: string, id: string, seconds: number, signature: string, body: string): Verification {
  const raw = Buffer.from(publicKey.slice(PUBLIC.length), "base64");
  if (raw.length !== 32)
    return { valid: false, reason: "a whpk_ key must be the base64 of a 32-byte ed25519 public key" };
  const key = createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: raw.toString("base64url") }, format: "jwk" });
  const content = Buffer.from(`${id}.${seconds}.${body}`);
  for (const candidate of signature.split(" ")) {
    if (!candidate.startsWith("v1a,")) continue;
    if (cryptoVerify(null, content, key, Buffer.from(candidate.slice(4), "base64"))) return { valid: true };
  }
  return { valid: false, reason: "no v1a signature matches the public key" };
}

/** The three signature headers under either naming (webhook-* or svix-*). */
export function signatureHeaders(headers: Record<string, string | string[] | undefined>): Omit<SignedRequest, "body"> {
  const pick = (name: string): string | undefined => {
    const value = headers[`webhook-${name}`] ?? headers[`svix-${name}`];
    return Array.isArray(value) ? value[0] : value;
  };
  return { id: pick("id"), timestamp: pick("timestamp"), signature: pick("signature") };
}
