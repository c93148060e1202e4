// Checking a Standard Webhooks signature as a receiver does (https://www.standardwebhooks.com/,
// "Verifying"): any one of the space-separated `v1,` signatures must match, compared in
// constant time, and the timestamp must be recent so a captured request cannot be replayed.
import { timingSafeEqual } from "node:crypto";
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

/** The three signature headers under either naming (webhook-* or svix-*). */
export function signatureHeaders(headers: Record<string, string | string[] | undefined>): Omit<SignedRequest, "body"> {
  const pick = (name: string): string | undefined => {
    const value = headers[`webhook-${name}`] ?? headers[`svix-${name}`];
    return Array.isArray(value) ? value[0] : value;
  };
  return { id: pick("id"), timestamp: pick("timestamp"), signature: pick("signature") };
}
