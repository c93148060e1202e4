import { describe, expect, it } from "vitest";
import { SlidingWindow } from "./slidingWindow.js";

describe("SlidingWindow", () => {
  it("counts events and errors over the last seconds, per key", () => {
    const window = new SlidingWindow(5);
    const t = 1_000_000_000;
    window.record("a", t, false);
    window.record("a", t + 1500, true);
    window.record("a", t + 4200, false);
    window.record("b", t + 4200, true);
    expect(window.counts("a", t + 4500)).toEqual({ total: 3, errors: 1, seconds: 5 });
    expect(window.counts("a", t + 4500, 2)).toEqual({ total: 1, errors: 0, seconds: 1 });
    expect(window.counts("b", t + 4500)).toEqual({ total: 1, errors: 1, seconds: 1 });
    // Six seconds on, the first event has left the window.
    expect(window.counts("a", t + 5100)).toEqual({ total: 2, errors: 1, seconds: 5 });
    expect(window.counts("c", t)).toEqual({ total: 0, errors: 0, seconds: 0 });
  });

  it("measures a rate over the seconds a key has been active, not the whole window", () => {
    const window = new SlidingWindow(5);
    const t = 2_000_000_000;
    for (let i = 0; i < 30; i++) window.record("fresh", t + 1000 + i * 30, false);
    const counts = window.counts("fresh", t + 1950);
    expect(counts.total / counts.seconds).toBe(30);
  });

  it("forgets a key and prunes keys with nothing left in the window", () => {
    const window = new SlidingWindow(3);
    window.record("old", 0, false);
    window.record("new", 10_000, false);
    window.prune(10_000);
    expect(window.counts("old", 10_000).total).toBe(0);
    window.forget("new");
    expect(window.counts("new", 10_000).total).toBe(0);
  });
});
