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

/** A statement in PostgreSQL's numbering, and its prepared-statement name once it is hot. */
export interface PgStatement {
  text: string;
  name: string | undefined;
}

/** Executions of one text before it gets a prepared-statement name. */
const PREPARE_AFTER = 3;

/**
 * A bounded memo of conversions, which also names the hot statements so pg prepares them once
 * per connection (PostgreSQL then skips parsing and planning them: most of a simple INSERT's
 * server time). Only the first `maxNamed` texts run `PREPARE_AFTER` times get a name, so
 * texts that vary (IN lists and multi-row VALUES by their length) cannot pile up prepared
 * statements on the server; a name is never reused for another text.
 * The statement bound is a guard against a caller building SQL from data, not a tuning knob.
 */
export class PlaceholderCache {
  private readonly converted = new Map<string, PgStatement & { runs: number }>();
  private named = 0;

  private readonly maxEntries: number;
  private readonly maxNamed: number;

  constructor({ maxEntries = 2000, maxNamed = 200 }: { maxEntries?: number; maxNamed?: number } = {}) {
    this.maxEntries = maxEntries;
    this.maxNamed = maxNamed;
  }

  get(sql: string): PgStatement {
    let statement = this.converted.get(sql);
    if (statement === undefined) {
      statement = { text: numberPlaceholders(sql), name: undefined, runs: 0 };
      // Named statements stay: their connections hold them prepared under that name.
      if (this.converted.size >= this.maxEntries) {
        for (const [key, value] of this.converted) if (value.name === undefined) this.converted.delete(key);
      }
      this.converted.set(sql, statement);
    }
    if (statement.name === undefined && ++statement.runs >= PREPARE_AFTER && this.named < this.maxNamed) {
      statement.name = `hooklane_${++this.named}`;
    }
    return statement;
  }
}
