import { describe, expect, it } from "vitest";
import { idleConsumers } from "./streamConsumer.js";

describe("idleConsumers", () => {
  it("picks other consumers idle long enough with nothing pending", () => {
    const info = [
      ["name", "me", "pending", 0, "idle", 9_000_000],
      ["name", "old-empty", "pending", 0, "idle", 9_000_000, "inactive", 9_000_000],
      ["name", "old-with-work", "pending", 3, "idle", 9_000_000],
      ["name", "recent", "pending", 0, "idle", 10],
    ];
    expect(idleConsumers(info, "me", 3_600_000)).toEqual(["old-empty"]);
  });
});
