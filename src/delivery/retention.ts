// The retention job: at each interval, expunges due payloads, prunes old attempts (and the
// dashboard's counts of them), finished messages and old inbound requests, batch by batch
// until nothing is left, so storage stays bounded.
import type { Clock } from "../lib/clock.js";
import type { Logger } from "../lib/logger.js";
import type { Storage } from "../storage/contract.js";

const BATCH = 500;

/** The dashboard's attempt counts are kept this long: its charts show the last 24 hours. */
const ATTEMPT_COUNTS_KEPT_MS = 2 * 24 * 3600_000;

export class RetentionJob {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = false;

  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly options: { retentionMs: number; intervalMs: number },
  ) {}

  start(): void {
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.runOnce().finally(() => {
        this.running = undefined;
        this.schedule();
      });
    }, this.options.intervalMs);
  }

  /** One pass; exposed so a test or an operator command can force it. */
  async runOnce(): Promise<{
    payloads: number;
    attempts: number;
    attemptCounts: number;
    messages: number;
    inboundRequests: number;
  }> {
    const totals = { payloads: 0, attempts: 0, attemptCounts: 0, messages: 0, inboundRequests: 0 };
    try {
      const now = this.clock.nowMs();
      const cutoff = now - this.options.retentionMs;
      totals.payloads = await this.drain(() => this.storage.retention.expirePayloads(now, BATCH));
      totals.attempts = await this.drain(() => this.storage.retention.pruneAttempts(cutoff, BATCH));
      // Unbatched: what a pass finds is the minutes since the last pass, a few rows each.
      totals.attemptCounts = await this.storage.retention.pruneAttemptCounts(now - ATTEMPT_COUNTS_KEPT_MS);
      totals.messages = await this.drain(() => this.storage.retention.pruneMessages(cutoff, BATCH));
      totals.inboundRequests = await this.drain(() => this.storage.retention.pruneInboundRequests(cutoff, now, BATCH));
      if (Object.values(totals).some((count) => count > 0)) this.log.info(totals, "retention pass");
    } catch (error) {
      this.log.error({ err: error }, "retention pass failed; trying again at the next interval");
    }
    return totals;
  }

  private async drain(batch: () => Promise<number>): Promise<number> {
    let total = 0;
    for (;;) {
      const done = await batch();
      total += done;
      if (done < BATCH || this.stopped) return total;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }
}
