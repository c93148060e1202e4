// Turns what a send returned into the attempt's status and the delivery's next step. Pure.
import { MessageStatus } from "../domain/model.js";
import { nextAttemptDelayMs, parseRetryAfter, type RetryPolicy } from "../domain/schedule.js";
import type { DeliveryCompletion } from "../storage/contract.js";
import type { SendResult } from "./httpSender.js";

export interface Outcome {
  attemptStatus: MessageStatus;
  completion: DeliveryCompletion;
}

/**
 * Success is 2xx only (3xx included in failures: redirects are not followed). On 429 and 503
 * a Retry-After header sets the delay instead of the schedule (Standard Webhooks spec,
 * "Retries"). `attemptsMade` counts the attempt just made.
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
  const throttled = result.kind === "response" && (result.statusCode === 429 || result.statusCode === 503);
  const retryAfterMs = throttled ? parseRetryAfter(result.retryAfter, nowMs) : null;
  const delay = nextAttemptDelayMs(policy, attemptsMade, retryAfterMs, random);
  return {
    attemptStatus: MessageStatus.fail,
    completion: delay === null ? { kind: "failed" } : { kind: "retry", nextAttemptAt: nowMs + delay },
  };
}
