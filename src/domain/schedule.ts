// Retry timing as pure functions (Standard Webhooks / Svix schedule), so it is testable alone.

export interface RetryPolicy {
  /** Seconds to wait before retry n (index 0 = after the first failed attempt). */
  scheduleSeconds: readonly number[];
  /** 0.2 spreads each delay over ±20%. */
  jitter: number;
  retryAfterMaxSeconds: number;
}

/**
 * Milliseconds until the next attempt after `attemptsMade` failed attempts, or null when the
 * schedule is exhausted. A receiver's Retry-After (429/503) replaces the scheduled delay,
 * clamped to the configured maximum so a hostile header cannot park a delivery forever.
 */
export function nextAttemptDelayMs(
  policy: RetryPolicy,
  attemptsMade: number,
  retryAfterMs: number | null,
  random: () => number = Math.random,
): number | null {
  const scheduled = policy.scheduleSeconds[attemptsMade - 1];
  if (scheduled === undefined) return null;
  if (retryAfterMs !== null) return Math.min(retryAfterMs, policy.retryAfterMaxSeconds * 1000);
  const spread = 1 + policy.jitter * (2 * random() - 1);
  return Math.round(scheduled * 1000 * spread);
}

/**
 * Parses Retry-After (RFC 9110 §10.2.3): delay-seconds or an HTTP-date. Returns ms from `nowMs`,
 * or null when absent or unparsable.
 */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | null {
  if (value === undefined) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const dateMs = Date.parse(trimmed);
  if (Number.isNaN(dateMs)) return null;
  return Math.max(0, dateMs - nowMs);
}
