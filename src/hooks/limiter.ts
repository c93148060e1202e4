// Per-hook concurrency limit (a Hooklane extension): at most N commands of a hook run at
// once; the rest wait in arrival order. Keyed by hook id so the limit survives hot reloads.
export class ConcurrencyLimiter {
  private readonly running = new Map<string, number>();
  private readonly waiting = new Map<string, (() => void)[]>();

  async run<T>(key: string, limit: number | undefined, task: () => Promise<T>): Promise<T> {
    if (limit === undefined) return task();
    if ((this.running.get(key) ?? 0) >= limit) {
      await new Promise<void>((resolve) => this.waiting.set(key, [...(this.waiting.get(key) ?? []), resolve]));
    } else {
      this.running.set(key, (this.running.get(key) ?? 0) + 1);
    }
    try {
      return await task();
    } finally {
      const next = this.waiting.get(key)?.shift();
      // The slot passes straight to the next waiter, so the running count stays the same.
      if (next) next();
      else this.running.set(key, (this.running.get(key) ?? 1) - 1);
    }
  }
}
