// Keeps a rate-limited endpoint's sends as far apart as the slots its claims gave them. Each
// delivery waits on a timer for its slot; when the event loop is busy, timers fire late and
// together, and without this every overdue delivery would go at once: a burst above the
// endpoint's rate (27 in one second at 20/s was seen under a loaded test run).
import type { Clock } from "../lib/clock.js";
import { sleep } from "../lib/async.js";

export class SendPacer {
  /** Per endpoint: the slot of its latest paced send and when that send actually went. */
  private readonly last = new Map<string, { slot: number; sentAt: number }>();

  constructor(private readonly clock: Clock) {}

  /**
   * Waits until `slot`, and until as long after the endpoint's previous paced send as `slot` is
   * after that send's slot (a late send moves the ones behind it, never bunches them).
   */
  async waitFor(endpointId: string, slot: number): Promise<void> {
    for (;;) {
      const last = this.last.get(endpointId);
      const due = last && slot > last.slot ? Math.max(slot, last.sentAt + (slot - last.slot)) : slot;
      const wait = due - this.clock.nowMs();
      if (wait <= 0) return;
      await sleep(wait);
    }
  }

  /** Records that the delivery slotted at `slot` is being sent now. */
  sent(endpointId: string, slot: number): void {
    const last = this.last.get(endpointId);
    if (!last || slot >= last.slot) this.last.set(endpointId, { slot, sentAt: this.clock.nowMs() });
  }

  /** Forgets an endpoint with nothing left to pace. */
  forget(endpointId: string): void {
    this.last.delete(endpointId);
  }
}
