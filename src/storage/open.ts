// Opens the storage a database URL names (a SQLite path or a postgres:// URL) and brings its
// schema up to date unless told not to.
import type { SecretCipher } from "../domain/secretCipher.js";
import { silentLogger, type Logger } from "../lib/logger.js";
import type { Storage } from "./contract.js";
import { migratePostgresDatabase, openPostgresStorage } from "./postgres/storage.js";
import { SqliteClient } from "./sqlite/client.js";
import { sqlStorage } from "./sql/storage.js";

export interface OpenOptions {
  /** Apply pending migrations (default true). */
  migrate?: boolean;
  /** PostgreSQL: most pooled connections (default 10). */
  poolSize?: number;
  /** PostgreSQL: prepare hot statements once per connection (default true). */
  preparedStatements?: boolean;
  /** PostgreSQL: how long to wait for a connection before failing with unavailable (default 5000). */
  connectTimeoutMs?: number;
  logger?: Logger;
  /** Seals endpoint secrets at rest (see domain/secretCipher.ts). */
  cipher?: SecretCipher;
}

export const isPostgresUrl = (databaseUrl: string): boolean => /^postgres(ql)?:\/\//.test(databaseUrl);

const sqlitePath = (databaseUrl: string): string => databaseUrl.replace(/^sqlite:(\/\/)?/, "");

export async function openStorage(databaseUrl: string, options: OpenOptions = {}): Promise<Storage> {
  if (isPostgresUrl(databaseUrl)) {
    return openPostgresStorage(databaseUrl, {
      migrate: options.migrate !== false,
      poolSize: options.poolSize ?? 10,
      connectTimeoutMs: options.connectTimeoutMs ?? 5000,
      preparedStatements: options.preparedStatements ?? true,
      log: options.logger ?? silentLogger,
      cipher: options.cipher,
    });
  }
  const client = new SqliteClient(sqlitePath(databaseUrl));
  if (options.migrate !== false) client.migrate();
  return sqlStorage(client, { cipher: options.cipher });
}

/** Applies pending migrations and returns the versions applied (empty when up to date). */
export async function migrateDatabase(databaseUrl: string, logger: Logger = silentLogger): Promise<number[]> {
  if (isPostgresUrl(databaseUrl)) return migratePostgresDatabase(databaseUrl, logger);
  const client = new SqliteClient(sqlitePath(databaseUrl));
  try {
    return client.migrate();
  } finally {
    await client.close();
  }
}

/** The URL with any password masked, for logs and messages. */
export function displayDatabaseUrl(databaseUrl: string): string {
  if (!isPostgresUrl(databaseUrl)) return databaseUrl;
  try {
    const url = new URL(databaseUrl);
    if (url.password) url.password = "***";
    return url.toString();
  } catch {
    return "postgres://…";
  }
}
