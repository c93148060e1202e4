// Unit tests for the `?` → `$n` placeholder rewrite.
import { describe, expect, it } from "vitest";
import { numberPlaceholders, PlaceholderCache } from "./placeholders.js";

describe("numberPlaceholders", () => {
  it("numbers placeholders in order", () => {
    expect(numberPlaceholders("SELECT a FROM t WHERE b = ? AND c IN (?, ?) LIMIT ?")).toBe(
      "SELECT a FROM t WHERE b = $1 AND c IN ($2, $3) LIMIT $4",
    );
  });

  it("leaves question marks in literals, identifiers and comments alone", () => {
    expect(
      numberPlaceholders(`SELECT '?', 'it''s ?', "wh?", x -- why?\n FROM t /* ? */ WHERE y LIKE ? ESCAPE '\\'`),
    ).toBe(`SELECT '?', 'it''s ?', "wh?", x -- why?\n FROM t /* ? */ WHERE y LIKE $1 ESCAPE '\\'`);
  });

  it("passes statements without placeholders through", () => {
    expect(numberPlaceholders("SELECT 1 AS ok")).toBe("SELECT 1 AS ok");
  });

  it("caches conversions and stays bounded", () => {
    const cache = new PlaceholderCache({ maxEntries: 2 });
    expect(cache.get("a = ?").text).toBe("a = $1");
    expect(cache.get("a = ?").text).toBe("a = $1");
    cache.get("b = ?");
    expect(cache.get("c = ? AND d = ?").text).toBe("c = $1 AND d = $2");
  });
});

describe("PlaceholderCache naming", () => {
  it("names a statement from its third run, with a name no other text gets", () => {
    const cache = new PlaceholderCache();
    expect(cache.get("a = ?").name).toBeUndefined();
    expect(cache.get("a = ?").name).toBeUndefined();
    const name = cache.get("a = ?").name;
    expect(name).toBeDefined();
    expect(cache.get("a = ?").name).toBe(name);
    for (let i = 0; i < 3; i++) cache.get("b = ?");
    expect(cache.get("b = ?").name).not.toBe(name);
  });

  it("names at most maxNamed texts, and none when that is 0", () => {
    const cache = new PlaceholderCache({ maxNamed: 2 });
    const names = ["a", "b", "c"].map((column) => {
      for (let i = 0; i < 3; i++) cache.get(`${column} = ?`);
      return cache.get(`${column} = ?`).name;
    });
    expect(names.filter(Boolean)).toHaveLength(2);
    expect(names[2]).toBeUndefined();
    const off = new PlaceholderCache({ maxNamed: 0 });
    for (let i = 0; i < 5; i++) expect(off.get("a = ?").name).toBeUndefined();
  });

  it("keeps named statements when the memo is cleared, so a name keeps meaning one text", () => {
    const cache = new PlaceholderCache({ maxEntries: 2 });
    for (let i = 0; i < 3; i++) cache.get("hot = ?");
    const name = cache.get("hot = ?").name;
    for (const column of ["x", "y", "z"]) cache.get(`${column} = ?`);
    expect(cache.get("hot = ?").name).toBe(name);
  });
});
