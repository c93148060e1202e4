// Counts of events per key over a sliding time window, in one-second buckets: enough for an
// error rate or a send rate, in constant memory per key.

interface Buckets {
  /** Second (unix s) each slot holds. */
  seconds: number[];
  totals: number[];
  errors: number[];
}

export interface WindowCounts {
  total: number;
  errors: number;
  /**
   * Whole seconds from the oldest second with an event through now (0 when none): what a rate
   * is measured over, since a key that started 1 s ago has not had the whole window.
   */
  seconds: number;
}

export class SlidingWindow {
  private readonly keys = new Map<string, Buckets>();

  constructor(private readonly windowSeconds: number) {}

  record(key: string, nowMs: number, error: boolean): void {
    const second = Math.floor(nowMs / 1000);
    let buckets = this.keys.get(key);
    if (!buckets) {
      const size = this.windowSeconds;
      buckets = {
        seconds: new Array<number>(size).fill(-1),
        totals: new Array<number>(size).fill(0),
        errors: new Array<number>(size).fill(0),
      };
      this.keys.set(key, buckets);
    }
    const slot = second % this.windowSeconds;
    if (buckets.seconds[slot] !== second) {
      buckets.seconds[slot] = second;
      buckets.totals[slot] = 0;
      buckets.errors[slot] = 0;
    }
    buckets.totals[slot]! += 1;
    if (error) buckets.errors[slot]! += 1;
  }

  /** Counts over the last `seconds` (at most the window). */
  counts(key: string, nowMs: number, seconds = this.windowSeconds): WindowCounts {
    const buckets = this.keys.get(key);
    const counts = { total: 0, errors: 0, seconds: 0 };
    if (!buckets) return counts;
    const current = Math.floor(nowMs / 1000);
    const oldest = current - Math.min(seconds, this.windowSeconds) + 1;
    let first = current + 1;
    for (let i = 0; i < this.windowSeconds; i++) {
      const second = buckets.seconds[i]!;
      if (second < oldest || second > current) continue;
      counts.total += buckets.totals[i]!;
      counts.errors += buckets.errors[i]!;
      first = Math.min(first, second);
    }
    counts.seconds = current - first + 1;
    return counts;
  }

  forget(key: string): void {
    this.keys.delete(key);
  }

  /** Drops keys with nothing inside the window, so memory follows the active keys. */
  prune(nowMs: number): void {
    const oldest = Math.floor(nowMs / 1000) - this.windowSeconds + 1;
    for (const [key, buckets] of this.keys) {
      if (buckets.seconds.every((second) => second < oldest)) this.keys.delete(key);
    }
  }
}
