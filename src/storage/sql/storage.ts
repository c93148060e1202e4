// Assembles the SQL stores over one client: the whole storage contract for either dialect.
import { plaintextCipher, type SecretCipher } from "../../domain/secretCipher.js";
import type { Storage } from "../contract.js";
import { SqlApplicationStore } from "./applications.js";
import { SqlAttemptStore } from "./attempts.js";
import type { SqlClient } from "./client.js";
import { SqlDashboardStore } from "./dashboard.js";
import { SqlDeliveryStore } from "./deliveries.js";
import { SqlEndpointStore } from "./endpoints.js";
import { SqlEventTypeStore } from "./eventTypes.js";
import { SqlIdempotencyStore } from "./idempotency.js";
import { SqlMessageStore } from "./messages.js";
import { SqlReplayStore } from "./replay.js";
import { SqlRetentionStore } from "./retention.js";
import { SqlSettingStore } from "./settings.js";
import { SqlTaskStore } from "./tasks.js";
import { SqlSourceStore } from "./sources.js";
import { SqlTokenStore } from "./tokens.js";

export interface SqlStorageOptions {
  /** Seals endpoint secrets at rest; plaintext when no main secret is configured. */
  cipher?: SecretCipher;
  /** Called after a commit that made deliveries due; the PostgreSQL adapter sends NOTIFY. */
  deliveriesDue?: () => void;
}

export function sqlStorage(db: SqlClient, options: SqlStorageOptions = {}): Storage {
  const deliveriesDue = options.deliveriesDue ?? ((): void => undefined);
  const cipher = options.cipher ?? plaintextCipher;
  return {
    dialect: db.dialect,
    applications: new SqlApplicationStore(db),
    eventTypes: new SqlEventTypeStore(db),
    endpoints: new SqlEndpointStore(db, cipher),
    messages: new SqlMessageStore(db, deliveriesDue),
    deliveries: new SqlDeliveryStore(db, cipher, deliveriesDue),
    attempts: new SqlAttemptStore(db),
    tokens: new SqlTokenStore(db),
    idempotency: new SqlIdempotencyStore(db),
    retention: new SqlRetentionStore(db),
    settings: new SqlSettingStore(db),
    replay: new SqlReplayStore(db, cipher, deliveriesDue),
    tasks: new SqlTaskStore(db),
    dashboard: new SqlDashboardStore(db),
    sources: new SqlSourceStore(db, cipher, deliveriesDue),
    ping: async () => {
      await db.query("SELECT 1 AS ok");
    },
    close: () => db.close(),
  };
}
