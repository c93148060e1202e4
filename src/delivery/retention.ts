// The retention job: at each interval, expunges due payloads, prunes old attempts, finished
// messages and old inbound requests, batch by batch until nothing is left, so storage stays bounded.
import type { Clock } from "../lib/clock.js";
import type { Logger } from "../lib/logger.js";
import type { Storage } from "../storage/contract.js";

const BATCH = 500;

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
  async runOnce(): Promise<{ payloads: number; attempts: number; messages: number; inboundRequests: number }> {
    const totals = { payloads: 0, attempts: 0, messages: 0, inboundRequests: 0 };
    try {
      const now = this.clock.nowMs();
      const cutoff = now - this.options.retentionMs;
      totals.payloads = await this.drain(() => this.storage.retention.expirePayloads(now, BATCH));
      totals.attempts = await this.drain(() => this.storage.retention.pruneAttempts(cutoff, BATCH));
      totals.messages = await this.drain(() => this.storage.retention.pruneMessages(cutoff, BATCH));
      totals.inboundRequests = await this.drain(() => this.storage.retention.pruneInboundRequests(cutoff, now, BATCH));
      if (totals.payloads + totals.attempts + totals.messages + totals.inboundRequests > 0)
        this.log.info(totals, "retention pass");
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
