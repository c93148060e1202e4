// Turns what a send returned into the attempt's status and the delivery's next step. Pure.
import { MessageStatus } from "../domain/model.js";
import { nextAttemptDelayMs, parseRetryAfter, type RetryPolicy } from "../domain/schedule.js";
import type { DeliveryCompletion } from "../storage/contract.js";
import type { SendResult } from "./httpSender.js";

export interface Outcome {
  attemptStatus: MessageStatus;
  completion: DeliveryCompletion;
}

/** Pause after a 429 that gave no Retry-After. */
const THROTTLE_PAUSE_MS = 2000;

/**
 * Success is 2xx only (3xx included in failures: redirects are not followed). A 429, or a 503
 * with Retry-After, is the receiver asking us to slow down, not failing: the delivery waits
 * (the Retry-After, clamped, or a short pause) without spending an attempt, and the endpoint
 * is throttled (endpointHealth.ts). A plain 503 is a failure like any 5xx. `attemptsMade`
 * counts the attempt just made.
 */
export function decideOutcome(
  result: SendResult,
  attemptsMade: number,
  policy: RetryPolicy,
  nowMs: number,
  random?: () => number,
): Outcome {
  if (result.kind === "response" && result.statusCode >= 200 && result.statusCode < 300) {
    return { attemptStatus: MessageStatus.success, completion: { kind: "succeeded" } };
  }
  const retryAfterMs = result.kind === "response" ? parseRetryAfter(result.retryAfter, nowMs) : null;
  const throttled =
    result.kind === "response" && (result.statusCode === 429 || (result.statusCode === 503 && retryAfterMs !== null));
  if (throttled) {
    const pause = Math.min(retryAfterMs ?? THROTTLE_PAUSE_MS, policy.retryAfterMaxSeconds * 1000);
    return { attemptStatus: MessageStatus.fail, completion: { kind: "deferred", nextAttemptAt: nowMs + pause } };
  }
  const delay = nextAttemptDelayMs(policy, attemptsMade, null, random);
  return {
    attemptStatus: MessageStatus.fail,
    completion: delay === null ? { kind: "failed" } : { kind: "retry", nextAttemptAt: nowMs + delay },
  };
}
