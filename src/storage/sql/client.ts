// The narrow SQL seam both dialects implement. Statements are written with `?` placeholders;
// the PostgreSQL client numbers them. Values are numbers, strings or null only: booleans are
// stored as 0/1 and JSON as text, so one statement text works on both databases.
import type { CommitTiming } from "../contract.js";

export type SqlValue = string | number | null;
export type Row = Record<string, SqlValue>;

export interface SqlExecutor {
  query<T extends Row = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  /** Runs a write; resolves to the number of rows it changed. */
  execute(sql: string, params?: readonly SqlValue[]): Promise<number>;
}

export interface SqlClient extends SqlExecutor {
  readonly dialect: "sqlite" | "postgres";
  /**
   * Runs `work` in one transaction. `work` must only await the executor it is given: the
   * SQLite client batches concurrent transactions into one commit (group commit), so an
   * outside await would hold everyone's commit.
   */
  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /** Where the client commits in batches (SQLite): calls `listener` after each durable commit. */
  onCommit?(listener: (commit: CommitTiming) => void): void;
  close(): Promise<void>;
}

/** `d.id, d.app_id, …`: a column list qualified by its table. */
export const qualified = (columns: string, table: string): string =>
  columns
    .split(", ")
    .map((column) => `${table}.${column}`)
    .join(", ");

/** `d.id AS d_id, …`: joined rows keep each table's columns apart. */
export const aliased = (columns: string, table: string): string =>
  columns
    .split(", ")
    .map((column) => `${table}.${column} AS ${table}_${column}`)
    .join(", ");

/** `?, ?, ?` for an IN list of `count` values. */
export const placeholders = (count: number): string => Array.from({ length: count }, () => "?").join(", ");

/** The map key of one ordered endpoint's order key (its "line" of deliveries). */
export const orderLine = (endpointId: string, orderKey: string): string => `${endpointId}\u0000${orderKey}`;

/** Unique-constraint violations, told apart from other driver errors without leaking driver text. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code;
  return code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY" || code === "23505";
}
