// API tokens: random, shown once, stored as a SHA-256 hash. High-entropy tokens need no slow
// hash; SHA-256 keeps lookups an index probe.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

export function newToken(kind: "admin" | "app"): string {
  return `hk_${kind}_${randomBytes(32).toString("base64url")}`;
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** Constant-time equality of two hex hashes. */
export function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a, "hex");
  const right = Buffer.from(b, "hex");
  return left.length === right.length && timingSafeEqual(left, right);
}
