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
    const cache = new PlaceholderCache(2);
    expect(cache.get("a = ?")).toBe("a = $1");
    expect(cache.get("a = ?")).toBe("a = $1");
    cache.get("b = ?");
    expect(cache.get("c = ? AND d = ?")).toBe("c = $1 AND d = $2");
  });
});
