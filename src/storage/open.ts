// Opens the storage a database URL names and brings its schema up to date.
import type { Storage } from "./contract.js";
import { SqliteClient } from "./sqlite/client.js";
import { sqlStorage } from "./sql/storage.js";

export interface OpenOptions {
  /** Apply pending migrations (default true). */
  migrate?: boolean;
}

export async function openStorage(databaseUrl: string, options: OpenOptions = {}): Promise<Storage> {
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new Error("PostgreSQL storage is not available in this build yet; use a SQLite file path");
  }
  const path = databaseUrl.replace(/^sqlite:(\/\/)?/, "");
  const client = new SqliteClient(path);
  if (options.migrate !== false) client.migrate();
  return sqlStorage(client);
}
