// PostgreSQL implementation of the SqlClient seam over a pg.Pool: numbers the shared SQL's
// placeholders, returns BIGINT columns as numbers, runs transactions on one pooled
// connection, and turns "database unreachable" into 503-able `unavailable` errors.
import pg from "pg";
import type { Logger } from "../../lib/logger.js";
import type { Row, SqlClient, SqlExecutor, SqlValue } from "../sql/client.js";
import { CONNECT_FAILED, isConnectionError, mapStatementError, unavailableFrom } from "./errors.js";
import { migratePostgres, pendingMigrations } from "./migrations.js";
import { PlaceholderCache } from "./placeholders.js";

export interface PostgresClientOptions {
  connectionString: string;
  /** Most connections this process opens for queries (LISTEN uses one more). */
  poolSize: number;
  /** How long to wait for a connection (new or from a busy pool) before answering unavailable. */
  connectTimeoutMs: number;
  /** Prepare hot statements once per connection (see PlaceholderCache). */
  preparedStatements: boolean;
  log: Logger;
}

const INT8_OID = 20;
const NUMERIC_OID = 1700;

/**
 * Parsers for this pool only (pg.types is process-global and other code may share it).
 * BIGINT holds unix ms and COUNT(*) results: both fit a double exactly.
 */
function numericTypes(): pg.CustomTypesConfig {
  const types = new pg.TypeOverrides();
  types.setTypeParser(INT8_OID, (value: string) => Number(value));
  types.setTypeParser(NUMERIC_OID, (value: string) => Number(value));
  return types;
}

export class PostgresClient implements SqlClient {
  readonly dialect = "postgres" as const;
  readonly pool: pg.Pool;
  private readonly sqlText: PlaceholderCache;
  private closed = false;
  /** Keeps a checked-out client's socket error from becoming an uncaught 'error' event. */
  private readonly onCheckedOutError = (error: Error): void => {
    this.options.log.warn({ err: error }, "PostgreSQL connection failed while in use");
  };

  constructor(private readonly options: PostgresClientOptions) {
    this.sqlText = new PlaceholderCache({ maxNamed: options.preparedStatements ? 200 : 0 });
    this.pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.poolSize,
      connectionTimeoutMillis: options.connectTimeoutMs,
      keepAlive: true,
      application_name: "hooklane",
      types: numericTypes(),
    });
    // Idle connections die when PostgreSQL restarts or an admin terminates them. Without a
    // listener that is an uncaught 'error' event and kills the process; the pool already
    // drops the connection and opens a fresh one on the next query.
    this.pool.on("error", (error) => {
      options.log.warn({ err: error }, "idle PostgreSQL connection closed; it will be replaced on next use");
    });
    // While a connection is checked out the pool does not listen for its errors. The listener
    // goes on in the pool's own (synchronous) acquire event: added after `await connect()`
    // it would miss an error parsed from the same socket read that handed the connection over.
    this.pool.on("acquire", (client) => client.on("error", this.onCheckedOutError));
    this.pool.on("release", (_error, client) => client.removeListener("error", this.onCheckedOutError));
  }

  /** Applies pending migrations under an advisory lock. Returns the versions applied. */
  migrate(): Promise<number[]> {
    return this.withClient((client) => migratePostgres(client));
  }

  /** Versions this build needs that the database lacks. */
  pendingMigrations(): Promise<number[]> {
    return this.withClient((client) => pendingMigrations(client));
  }

  async query<T extends Row = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    return (await this.withClient((client) => this.run<T>(client, sql, params))).rows;
  }

  async execute(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    return (await this.withClient((client) => this.run(client, sql, params))).rowCount ?? 0;
  }

  /**
   * BEGIN … COMMIT on one pooled connection. If the connection is lost mid-way PostgreSQL
   * rolls the transaction back; if it is lost during COMMIT the outcome is unknown to us,
   * and the caller gets `unavailable` either way (a retry with the same eventId or
   * idempotency-key is safe).
   */
  async transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.withClient(async (client) => {
      await this.run(client, "BEGIN");
      try {
        const result = await work({
          query: async <R extends Row = Row>(sql: string, params: readonly SqlValue[] = []) =>
            (await this.run<R>(client, sql, params)).rows,
          execute: async (sql, params = []) => (await this.run(client, sql, params)).rowCount ?? 0,
        });
        await this.run(client, "COMMIT");
        return result;
      } catch (error) {
        // A lost connection has no transaction left to roll back; withClient discards it.
        if (!isConnectionError(error)) await this.run(client, "ROLLBACK");
        throw error;
      }
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

  private async withClient<T>(use: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.acquire();
    let broken: unknown;
    try {
      return await use(client);
    } catch (error) {
      if (isConnectionError(error)) broken = error;
      throw mapStatementError(error);
    } finally {
      this.release(client, broken);
    }
  }

  private async acquire(): Promise<pg.PoolClient> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      // Whatever stops us connecting (refused, starting up, database missing, too many
      // connections, auth), the request cannot be served now: 503, details in the log.
      if (this.closed) throw error;
      throw unavailableFrom(CONNECT_FAILED, error);
    }
    return client;
  }

  /** Returns the connection to the pool, or destroys it when it is broken. */
  private release(client: pg.PoolClient, broken: unknown): void {
    client.release(broken ? (broken instanceof Error ? broken : true) : undefined);
  }

  private run<T extends Row = Row>(
    client: pg.PoolClient,
    sql: string,
    params: readonly SqlValue[] = [],
  ): Promise<pg.QueryResult<T>> {
    const { text, name } = this.sqlText.get(sql);
    return client.query<T>({ text, name, values: [...params] });
  }
}
