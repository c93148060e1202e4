// API tokens, stored as SHA-256 hashes only.
import type { Row, SqlClient } from "./client.js";
import type { StoredToken, TokenStore } from "../contract.js";

function toToken(row: Row): StoredToken {
  return {
    id: String(row.id),
    hash: String(row.hash),
    appId: row.app_id === null ? null : String(row.app_id),
    expiresAt: row.expires_at === null ? null : Number(row.expires_at),
    createdAt: Number(row.created_at),
  };
}

export class SqlTokenStore implements TokenStore {
  constructor(private readonly db: SqlClient) {}

  async save(t: StoredToken): Promise<void> {
    await this.db.execute("INSERT INTO tokens (id, hash, app_id, expires_at, created_at) VALUES (?, ?, ?, ?, ?)", [
      t.id,
      t.hash,
      t.appId,
      t.expiresAt,
      t.createdAt,
    ]);
  }

  async findByHash(hash: string): Promise<StoredToken | null> {
    const rows = await this.db.query("SELECT id, hash, app_id, expires_at, created_at FROM tokens WHERE hash = ?", [
      hash,
    ]);
    return rows[0] ? toToken(rows[0]) : null;
  }

  async delete(id: string): Promise<void> {
    await this.db.execute("DELETE FROM tokens WHERE id = ?", [id]);
  }

  async hasAdmin(): Promise<boolean> {
    const rows = await this.db.query("SELECT 1 AS found FROM tokens WHERE app_id IS NULL LIMIT 1");
    return rows.length > 0;
  }
}
