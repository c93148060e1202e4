import { describe, expect, it } from "vitest";
import { VersionedCache } from "./versionedCache.js";

describe("VersionedCache", () => {
  it("loads once, then answers from memory until invalidated", async () => {
    const cache = new VersionedCache<string, number>(10);
    let loads = 0;
    const load = async () => ++loads;
    expect(await cache.get("a", load)).toBe(1);
    expect(await cache.get("a", load)).toBe(1);
    cache.invalidate("a");
    expect(await cache.get("a", load)).toBe(2);
  });

  it("does not keep a value loaded across an invalidation (a write landed meanwhile)", async () => {
    const cache = new VersionedCache<string, string>(10);
    let release!: () => void;
    const slowLoad = cache.get("a", () => new Promise<string>((resolve) => (release = () => resolve("old row"))));
    cache.invalidate("a"); // the write commits while the read is on its way
    release();
    expect(await slowLoad).toBe("old row"); // its caller still gets what it read...
    expect(await cache.get("a", async () => "new row")).toBe("new row"); // ...but it was not kept
  });

  it("stays within its limit", async () => {
    const cache = new VersionedCache<number, number>(3);
    let loads = 0;
    for (let key = 0; key < 5; key++) await cache.get(key, async () => ++loads);
    expect(await cache.get(4, async () => ++loads)).toBe(5); // recent entry kept
    expect(await cache.get(0, async () => ++loads)).toBe(6); // dropped when the cache filled
  });
});
