// Rewrites the shared SQL's `?` placeholders into PostgreSQL's numbered `$1..$n`, leaving
// question marks inside string literals, quoted identifiers and comments alone.

/** Converts one statement; callers cache the result per SQL text. */
export function numberPlaceholders(sql: string): string {
  let out = "";
  let n = 0;
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i]!;
    if (ch === "'" || ch === '"') {
      // Quotes are escaped by doubling them, which this scan handles as close-then-reopen.
      const end = sql.indexOf(ch, i + 1);
      const stop = end === -1 ? sql.length : end + 1;
      out += sql.slice(i, stop);
      i = stop;
    } else if (ch === "-" && sql[i + 1] === "-") {
      const end = sql.indexOf("\n", i);
      const stop = end === -1 ? sql.length : end;
      out += sql.slice(i, stop);
      i = stop;
    } else if (ch === "/" && sql[i + 1] === "*") {
      const end = sql.indexOf("*/", i + 2);
      const stop = end === -1 ? sql.length : end + 2;
      out += sql.slice(i, stop);
      i = stop;
    } else if (ch === "?") {
      out += `$${++n}`;
      i++;
    } else {
      out += ch;
      i++;
    }
  }
  return out;
}

/**
 * A bounded memo of conversions. Statement texts are few (IN lists vary only with their
 * length), so the bound is a guard against a caller building SQL from data, not a tuning knob.
 */
export class PlaceholderCache {
  private readonly converted = new Map<string, string>();

  constructor(private readonly maxEntries = 2000) {}

  get(sql: string): string {
    let text = this.converted.get(sql);
    if (text === undefined) {
      text = numberPlaceholders(sql);
      if (this.converted.size >= this.maxEntries) this.converted.clear();
      this.converted.set(sql, text);
    }
    return text;
  }
}
