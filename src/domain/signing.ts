// Standard Webhooks signatures (https://www.standardwebhooks.com/, "Signature scheme"):
// v1 = base64(HMAC-SHA256(key, `${id}.${timestamp}.${body}`)), key = base64-decoded secret
// after the `whsec_` prefix.
import { createHmac, randomBytes } from "node:crypto";
import type { Endpoint } from "./model.js";

const PREFIX = "whsec_";

/** A new secret: `whsec_` + base64 of 24 random bytes, as Svix mints them. */
export function newSecret(): string {
  return PREFIX + randomBytes(24).toString("base64");
}

/** Secrets may arrive with or without the prefix; we keep them with it. */
export function normalizeSecret(secret: string): string {
  return secret.startsWith(PREFIX) ? secret : PREFIX + secret;
}

export function sign(secret: string, msgId: string, timestampSeconds: number, body: string): string {
  const key = Buffer.from(normalizeSecret(secret).slice(PREFIX.length), "base64");
  const digest = createHmac("sha256", key).update(`${msgId}.${timestampSeconds}.${body}`).digest("base64");
  return `v1,${digest}`;
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
  body: string,
  nowMs: number,
): string {
  const keys = [endpoint.secret, ...endpoint.retiredSecrets.filter((s) => s.expiresAt > nowMs).map((s) => s.key)];
  return keys.map((key) => sign(key, msgId, timestampSeconds, body)).join(" ");
}
