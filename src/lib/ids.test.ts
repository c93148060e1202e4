import { decodeTime } from "ulid";
import { describe, expect, it } from "vitest";
import { ID_PREFIX, idFloorAt, isIdOf, newIdAt } from "./ids.js";

const timeOf = (id: string): number => decodeTime(id.slice(ID_PREFIX.message.length));

describe("newIdAt", () => {
  it("carries exactly the given time, also when it goes back, and sorts by it", () => {
    const at = [1_700_000_000_000, 1_700_000_000_500, 1_600_000_000_000, 1_700_000_000_001];
    const ids = at.map((ms) => newIdAt("message", ms));
    expect(ids.map(timeOf)).toEqual(at);
    expect(ids.every((id) => isIdOf("message", id))).toBe(true);
    expect([...ids].sort()).toEqual([ids[2], ids[0], ids[3], ids[1]]);
    for (const [i, id] of ids.entries()) {
      expect(id >= idFloorAt("message", at[i]!) && id < idFloorAt("message", at[i]! + 1)).toBe(true);
    }
  });

  it("keeps ids of one millisecond in minting order", () => {
    const ids = Array.from({ length: 1000 }, () => newIdAt("message", 1_700_000_000_000));
    expect(new Set(ids).size).toBe(1000);
    expect([...ids].sort()).toEqual(ids);
  });
});
