// Small promise helpers shared by the worker loops and the CLI.

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Gathers what one turn of the event loop adds and hands it on in one piece at the end of the
 * turn: the sender thread's messages in both directions (one postMessage per turn, not per
 * item) and the publishes stored together (sql/publishBatch.ts).
 */
export class TurnBatch<T> {
  private items: T[] = [];

  constructor(private readonly send: (items: T[]) => void) {}

  add(item: T): void {
    if (this.items.push(item) === 1) setImmediate(() => this.flush());
  }

  /** Hands on what is gathered now (also called before closing). */
  flush(): void {
    if (this.items.length === 0) return;
    const items = this.items;
    this.items = [];
    this.send(items);
  }

  /** Drops what is gathered (its receiver is gone). */
  clear(): void {
    this.items = [];
  }
}

/**
 * A sleep that can be cut short, so loops stop promptly on shutdown or wake on new work.
 * A notify that arrives while nobody sleeps is remembered, so work published between a
 * claim and the next sleep is not left waiting for the poll interval.
 */
export class Wakeable {
  private wake: (() => void) | undefined;
  private pending = false;

  sleep(ms: number): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        if (this.wake === done) this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }

  notify(): void {
    if (this.wake) this.wake();
    else this.pending = true;
  }
}
