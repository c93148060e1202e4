// Assembles the PostgreSQL storage: the shared SQL stores over a pooled client, plus
// cross-process wake-ups (NOTIFY after commits that made deliveries due, LISTEN for workers).
import type { SecretCipher } from "../../domain/secretCipher.js";
import type { Logger } from "../../lib/logger.js";
import type { Storage } from "../contract.js";
import { sqlStorage } from "../sql/storage.js";
import { PostgresClient } from "./client.js";
import { DeliveryWakeups } from "./wakeups.js";

export interface PostgresStorageOptions {
  migrate: boolean;
  poolSize: number;
  connectTimeoutMs: number;
  preparedStatements: boolean;
  log: Logger;
  cipher?: SecretCipher | undefined;
}

export async function openPostgresStorage(connectionString: string, options: PostgresStorageOptions): Promise<Storage> {
  const client = new PostgresClient({
    connectionString,
    poolSize: options.poolSize,
    connectTimeoutMs: options.connectTimeoutMs,
    preparedStatements: options.preparedStatements,
    log: options.log,
  });
  try {
    if (options.migrate) await client.migrate();
    else {
      const pending = await client.pendingMigrations();
      if (pending.length > 0) {
        throw new Error(
          `the database schema is behind this build (migrations ${pending.join(", ")} not applied): run \`hooklane migrate\` or start without --no-migrate`,
        );
      }
    }
  } catch (error) {
    await client.close();
    throw error;
  }
  const wakeups = new DeliveryWakeups(connectionString, client.pool, options.log);
  const storage = sqlStorage(client, { deliveriesDue: () => wakeups.signal(), cipher: options.cipher });
  return {
    ...storage,
    onDeliveriesDue: (listener) => wakeups.subscribe(listener),
    close: async () => {
      await wakeups.close();
      await storage.close();
    },
  };
}

/** Applies pending migrations and closes; for `hooklane migrate`. */
export async function migratePostgresDatabase(connectionString: string, log: Logger): Promise<number[]> {
  const client = new PostgresClient({
    connectionString,
    poolSize: 1,
    connectTimeoutMs: 10000,
    preparedStatements: false,
    log,
  });
  try {
    return await client.migrate();
  } finally {
    await client.close();
  }
}
