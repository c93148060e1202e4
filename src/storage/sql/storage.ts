// Assembles the SQL stores over one client: the whole storage contract for either dialect.
import { plaintextCipher, type SecretCipher } from "../../domain/secretCipher.js";
import type { Application, Endpoint } from "../../domain/model.js";
import { VersionedCache } from "../../lib/versionedCache.js";
import type { CommitTiming, Storage } from "../contract.js";
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
import { SqlRoutingStore } from "./routing.js";
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

/** Applications and endpoint lists cached per process (bounded; a full cache starts over). */
const ROUTING_CACHE_LIMIT = 10000;

export function sqlStorage(db: SqlClient, options: SqlStorageOptions = {}): Storage {
  const deliveriesDue = options.deliveriesDue ?? ((): void => undefined);
  const cipher = options.cipher ?? plaintextCipher;
  // Publishing reads the application and its endpoints for every message. On SQLite this
  // process is the database's only writer, so it can keep them in memory and drop them on its
  // own writes. On PostgreSQL other instances write too, so every publish reads them.
  const cached = db.dialect === "sqlite";
  const endpointCache = cached ? new VersionedCache<string, Endpoint[]>(ROUTING_CACHE_LIMIT) : undefined;
  const applicationCache = cached ? new VersionedCache<string, Application | null>(ROUTING_CACHE_LIMIT) : undefined;
  const applications = new SqlApplicationStore(db, applicationCache, () => endpointCache?.clear());
  const endpoints = new SqlEndpointStore(db, cipher, endpointCache);
  return {
    dialect: db.dialect,
    applications,
    routing: new SqlRoutingStore(db, cipher, applications, endpoints, cached),
    eventTypes: new SqlEventTypeStore(db),
    endpoints,
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
    ...(db.onCommit ? { onCommit: (listener: (commit: CommitTiming) => void) => db.onCommit!(listener) } : {}),
    ping: async () => {
      await db.query("SELECT 1 AS ok");
    },
    close: () => db.close(),
  };
}
