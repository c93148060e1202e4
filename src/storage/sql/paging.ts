// Cursor paging shared by every list (Svix's `{data, iterator, prevIterator, done}`).
// Lists are ordered by id, and ids sort by creation time. `iterator` is the last id of the
// page; `prevIterator` is "-" + the first id, read in the opposite direction.
import type { Page, PageQuery } from "../contract.js";
import type { Row, SqlExecutor, SqlValue } from "./client.js";

export interface PagedSelect {
  /** `SELECT … FROM … ` without WHERE. */
  select: string;
  where: string[];
  params: SqlValue[];
  /** The column the cursor walks, e.g. `m.id`. */
  cursorColumn: string;
  /** Column name of the cursor in the result rows. */
  cursorField: string;
  /**
   * Conditions of which each row meets one (say, one of several event types). Each is read as
   * a query of its own that walks its index range in cursor order, and the parts are merged by
   * the cursor; one query with IN or OR would sort every matching row to find the first page.
   */
  anyOf?: { where: string; params: SqlValue[] }[];
}

export async function fetchPage<R extends Row, T>(
  db: SqlExecutor,
  statement: PagedSelect,
  query: PageQuery,
  defaultOrder: "ascending" | "descending",
  map: (row: R) => T,
): Promise<Page<T>> {
  const ascending = (query.order ?? defaultOrder) === "ascending";
  const backwards = query.iterator?.startsWith("-") ?? false;
  const cursor = backwards ? query.iterator!.slice(1) : query.iterator;
  // Reading the previous page walks the other way, then flips the rows back.
  const walkAscending = backwards ? !ascending : ascending;
  const where = [...statement.where];
  const params = [...statement.params];
  if (cursor) {
    where.push(`${statement.cursorColumn} ${walkAscending ? ">" : "<"} ?`);
    params.push(cursor);
  }
  const direction = walkAscending ? "ASC" : "DESC";
  const part = (conditions: string[]): string =>
    statement.select +
    (conditions.length > 0 ? ` WHERE ${conditions.join(" AND ")}` : "") +
    ` ORDER BY ${statement.cursorColumn} ${direction} LIMIT ?`;
  const alternatives = statement.anyOf ?? [];
  const sql =
    alternatives.length === 0
      ? part(where)
      : alternatives.map((alt, i) => `SELECT * FROM (${part([...where, alt.where])}) AS part${i}`).join(" UNION ALL ") +
        ` ORDER BY ${statement.cursorField} ${direction} LIMIT ?`;
  const rows = await db.query<R>(
    sql,
    alternatives.length === 0
      ? [...params, query.limit + 1]
      : [...alternatives.flatMap((alt) => [...params, ...alt.params, query.limit + 1]), query.limit + 1],
  );
  const more = rows.length > query.limit;
  const pageRows = rows.slice(0, query.limit);
  if (backwards) pageRows.reverse();
  const first = pageRows[0]?.[statement.cursorField];
  const last = pageRows[pageRows.length - 1]?.[statement.cursorField];
  return {
    items: pageRows.map(map),
    iterator: last == null ? (query.iterator ?? null) : String(last),
    prevIterator: first == null ? null : `-${String(first)}`,
    done: backwards ? false : !more,
  };
}
