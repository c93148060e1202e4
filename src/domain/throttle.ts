// Adaptive throttling after a receiver answers 429 (or 503 with Retry-After): multiplicative
// decrease, then a gradual climb back while it answers, lifted once the rate is back where it
// was when the receiver objected. Pure, so the arithmetic is testable alone.

/** Never throttle below this (messages per second): a trickle keeps probing the receiver. */
export const MIN_THROTTLE_RATE = 1;
/** At most one change per this long, so a burst of 429s from requests already in flight halves once. */
export const THROTTLE_STEP_MS = 1000;
/** Each step back up raises the rate by this factor. */
const RAISE_FACTOR = 1.25;

/** The throttled rate after a 429: half of the current throttle, or of the rate just observed. */
export function slowedRate(current: number | null, observedRate: number): number {
  const from = current ?? Math.max(observedRate, 2 * MIN_THROTTLE_RATE);
  return Math.max(MIN_THROTTLE_RATE, from / 2);
}

/** The next rate while the endpoint answers; null once the throttle is lifted. */
export function raisedRate(current: number, ceiling: number): number | null {
  const next = current * RAISE_FACTOR;
  return next >= ceiling ? null : next;
}
