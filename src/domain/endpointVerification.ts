// Endpoint verification: before an endpoint of an application that asks for it receives
// anything, it must prove it controls its URL by echoing a random challenge, sent signed like
// any delivery. The answer may be `{"challenge":"<value>"}` or the bare value as text.
import { randomBytes } from "node:crypto";

export const VERIFICATION_EVENT = "endpoint.verification";

export function newChallenge(): string {
  return randomBytes(24).toString("base64url");
}

export function challengeBody(challenge: string): string {
  return JSON.stringify({ type: VERIFICATION_EVENT, challenge });
}

/** Does a 2xx response body echo the challenge? */
export function echoesChallenge(responseBody: string, challenge: string): boolean {
  const text = responseBody.trim();
  if (text === challenge) return true;
  try {
    const parsed = JSON.parse(text) as unknown;
    return typeof parsed === "object" && parsed !== null && (parsed as { challenge?: unknown }).challenge === challenge;
  } catch {
    return false;
  }
}
