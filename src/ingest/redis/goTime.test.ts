import { describe, expect, it } from "vitest";
import { formatGoTime } from "./goTime.js";

describe("formatGoTime", () => {
  it("writes Go's time.String() form in UTC, trimming trailing zeros of the fraction", () => {
    expect(formatGoTime(Date.UTC(2024, 0, 2, 3, 4, 5, 120))).toBe("2024-01-02 03:04:05.12 +0000 UTC");
    expect(formatGoTime(Date.UTC(2024, 11, 31, 23, 59, 59, 7))).toBe("2024-12-31 23:59:59.007 +0000 UTC");
    expect(formatGoTime(Date.UTC(2024, 5, 1, 0, 0, 0, 0))).toBe("2024-06-01 00:00:00 +0000 UTC");
  });
});
