import { describe, expect, it } from "vitest";
import { systemClock } from "../lib/clock.js";
import { SendPacer } from "./sendPacer.js";

/** Keeps the event loop busy, as a burst of requests would: every timer due meanwhile fires late. */
function block(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until);
}

describe("SendPacer", () => {
  it("keeps sends as far apart as their slots when their timers fire late together", async () => {
    const pacer = new SendPacer(systemClock);
    const start = Date.now() + 20;
    const slots = Array.from({ length: 8 }, (_, i) => start + i * 50);
    const sentAt: number[] = [];
    const sends = slots.map(async (slot) => {
      await pacer.waitFor("ep_1", slot);
      pacer.sent("ep_1", slot);
      sentAt.push(Date.now());
    });
    block(300); // the first six slots pass while nothing can run
    const unblockedAt = Date.now();
    await Promise.all(sends);
    expect(sentAt[0]).toBeGreaterThanOrEqual(unblockedAt);
    for (let i = 1; i < sentAt.length; i++) expect(sentAt[i]! - sentAt[i - 1]!).toBeGreaterThanOrEqual(49);
  });

  it("holds nothing back that is on time, and paces endpoints apart", async () => {
    const pacer = new SendPacer(systemClock);
    const now = Date.now();
    pacer.sent("ep_1", now + 60_000); // a send slotted a minute ahead, on another endpoint
    // Past slots go at once: before anything queued behind the current turn of the event loop.
    const order: string[] = [];
    setImmediate(() => order.push("next turn"));
    await pacer.waitFor("ep_2", now - 10).then(() => order.push("ep_2"));
    await pacer.waitFor("ep_1", now - 2000).then(() => order.push("ep_1, slot before its last send"));
    expect(order).toEqual(["ep_2", "ep_1, slot before its last send"]);
  });
});
