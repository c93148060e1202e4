// Responses remembered per `idempotency-key`, so a retried POST gets the first answer again.
import type { IdempotencyStore, IdempotentResponse } from "../contract.js";
import type { SqlClient } from "./client.js";

export class SqlIdempotencyStore implements IdempotencyStore {
  constructor(private readonly db: SqlClient) {}

  async get(key: string, notBefore: number): Promise<IdempotentResponse | null> {
    const rows = await this.db.query(
      "SELECT key, status_code, body, created_at FROM idempotency_keys WHERE key = ? AND created_at >= ?",
      [key, notBefore],
    );
    const row = rows[0];
    if (!row) return null;
    return {
      key: String(row.key),
      statusCode: Number(row.status_code),
      body: String(row.body),
      createdAt: Number(row.created_at),
    };
  }

  async put(r: IdempotentResponse): Promise<void> {
    await this.db.execute(
      "INSERT INTO idempotency_keys (key, status_code, body, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (key) DO NOTHING",
      [r.key, r.statusCode, r.body, r.createdAt],
    );
  }

  prune(before: number): Promise<number> {
    return this.db.execute("DELETE FROM idempotency_keys WHERE created_at < ?", [before]);
  }
}
