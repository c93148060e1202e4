import { describe, expect, it } from "vitest";
import { nextAttemptDelayMs, parseRetryAfter } from "./schedule.js";

const policy = { scheduleSeconds: [5, 300, 1800], jitter: 0.2, retryAfterMaxSeconds: 3600 };

describe("nextAttemptDelayMs", () => {
  it("follows the schedule, then gives up", () => {
    const mid = () => 0.5; // no jitter
    expect(nextAttemptDelayMs(policy, 1, null, mid)).toBe(5000);
    expect(nextAttemptDelayMs(policy, 2, null, mid)).toBe(300000);
    expect(nextAttemptDelayMs(policy, 3, null, mid)).toBe(1800000);
    expect(nextAttemptDelayMs(policy, 4, null, mid)).toBeNull();
  });

  it("spreads delays by the jitter fraction", () => {
    expect(nextAttemptDelayMs(policy, 1, null, () => 0)).toBe(4000);
    expect(nextAttemptDelayMs(policy, 1, null, () => 1)).toBe(6000);
  });

  it("uses Retry-After instead of the schedule, clamped", () => {
    expect(nextAttemptDelayMs(policy, 1, 42000)).toBe(42000);
    expect(nextAttemptDelayMs(policy, 1, 10 * 3600 * 1000)).toBe(3600 * 1000);
    expect(nextAttemptDelayMs(policy, 4, 1000)).toBeNull();
  });
});

describe("parseRetryAfter", () => {
  it("reads delay-seconds and HTTP dates", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfter("120", now)).toBe(120000);
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:01:00 GMT", now)).toBe(60000);
    expect(parseRetryAfter("Wed, 31 Dec 2025 00:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("soon", now)).toBeNull();
    expect(parseRetryAfter(undefined, now)).toBeNull();
  });
});
