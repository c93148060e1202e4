// PostgreSQL schema, as numbered, append-only migrations: never edit one that has shipped;
// add the next number. It mirrors the SQLite schema column for column because the SQL is
// shared: unix ms in BIGINT, flags in INTEGER (0/1), JSON as TEXT.
import type pg from "pg";
import type { Migration } from "../sqlite/migrations.js";

/**
 * Identifier columns use the "C" collation so ORDER BY id and the paging cursors compare
 * bytes exactly as SQLite does, whatever the database's default locale (ids sort by time
 * only under byte order), and so their btree indexes serve those range scans.
 */
export const POSTGRES_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "initial schema",
    sql: `
      CREATE TABLE applications (
        id TEXT COLLATE "C" PRIMARY KEY,
        uid TEXT COLLATE "C" UNIQUE,
        name TEXT NOT NULL,
        rate_limit INTEGER,
        metadata TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
      );
      CREATE TABLE event_types (
        name TEXT COLLATE "C" PRIMARY KEY,
        description TEXT NOT NULL,
        schemas TEXT,
        archived INTEGER NOT NULL DEFAULT 0,
        deprecated INTEGER NOT NULL DEFAULT 0,
        feature_flag TEXT,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
      );
      CREATE TABLE endpoints (
        id TEXT COLLATE "C" PRIMARY KEY,
        app_id TEXT COLLATE "C" NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
        uid TEXT COLLATE "C",
        url TEXT NOT NULL,
        description TEXT NOT NULL,
        version INTEGER NOT NULL,
        disabled INTEGER NOT NULL,
        event_types TEXT,
        channels TEXT,
        rate_limit INTEGER,
        metadata TEXT NOT NULL,
        headers TEXT NOT NULL,
        secret TEXT NOT NULL,
        retired_secrets TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        UNIQUE (app_id, uid)
      );
      CREATE INDEX endpoints_app ON endpoints (app_id, id);
      CREATE TABLE messages (
        id TEXT COLLATE "C" PRIMARY KEY,
        app_id TEXT COLLATE "C" NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
        event_type TEXT COLLATE "C" NOT NULL,
        event_id TEXT COLLATE "C",
        channels TEXT,
        tags TEXT,
        payload TEXT,
        created_at BIGINT NOT NULL
      );
      -- eventId is the producer's idempotency key: unique per application.
      CREATE UNIQUE INDEX messages_event_id ON messages (app_id, event_id) WHERE event_id IS NOT NULL;
      CREATE INDEX messages_app ON messages (app_id, id);
      -- The queue: one row per (message, endpoint). A claim moves next_attempt_at to the lease
      -- expiry, so a crashed worker's rows fall due again by themselves.
      CREATE TABLE deliveries (
        id TEXT COLLATE "C" PRIMARY KEY,
        message_id TEXT COLLATE "C" NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
        endpoint_id TEXT COLLATE "C" NOT NULL REFERENCES endpoints(id) ON DELETE CASCADE,
        app_id TEXT COLLATE "C" NOT NULL,
        status INTEGER NOT NULL,
        attempt_count INTEGER NOT NULL,
        next_attempt_at BIGINT,
        lease_owner TEXT,
        trigger_type INTEGER NOT NULL,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
      );
      CREATE UNIQUE INDEX deliveries_message_endpoint ON deliveries (message_id, endpoint_id);
      CREATE INDEX deliveries_due ON deliveries (next_attempt_at, endpoint_id, id) WHERE status = 1;
      CREATE INDEX deliveries_endpoint ON deliveries (endpoint_id, id);
      -- Attempts are history: no foreign keys, so they outlive a deleted endpoint.
      CREATE TABLE attempts (
        id TEXT COLLATE "C" PRIMARY KEY,
        message_id TEXT COLLATE "C" NOT NULL,
        endpoint_id TEXT COLLATE "C" NOT NULL,
        app_id TEXT COLLATE "C" NOT NULL,
        url TEXT NOT NULL,
        status INTEGER NOT NULL,
        response_status_code INTEGER NOT NULL,
        response TEXT NOT NULL,
        response_duration_ms INTEGER NOT NULL,
        trigger_type INTEGER NOT NULL,
        created_at BIGINT NOT NULL
      );
      CREATE INDEX attempts_message ON attempts (message_id, id);
      CREATE INDEX attempts_endpoint ON attempts (endpoint_id, id);
      CREATE INDEX attempts_app ON attempts (app_id);
      CREATE TABLE tokens (
        id TEXT COLLATE "C" PRIMARY KEY,
        hash TEXT NOT NULL UNIQUE,
        app_id TEXT COLLATE "C" REFERENCES applications(id) ON DELETE CASCADE,
        expires_at BIGINT,
        created_at BIGINT NOT NULL
      );
      CREATE TABLE idempotency_keys (
        key TEXT PRIMARY KEY,
        status_code INTEGER NOT NULL,
        body TEXT NOT NULL,
        created_at BIGINT NOT NULL
      );
      CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
    `,
  },
  {
    version: 2,
    name: "endpoint health",
    // failing_since: start of the current run of failed attempts, so an endpoint failing for
    // longer than the window is disabled; disabled_reason says why Hooklane disabled it.
    sql: `
      ALTER TABLE endpoints ADD COLUMN failing_since BIGINT;
      ALTER TABLE endpoints ADD COLUMN disabled_reason TEXT;
    `,
  },
  {
    version: 3,
    name: "retention",
    // Each message carries its own payload expiry (Svix's payloadRetentionPeriod); the partial
    // index lets the expunge job find due payloads without scanning expunged rows.
    sql: `
      ALTER TABLE messages ADD COLUMN payload_expires_at BIGINT NOT NULL DEFAULT 0;
      UPDATE messages SET payload_expires_at = created_at + 2592000000;
      CREATE INDEX messages_payload_expiry ON messages (payload_expires_at) WHERE payload IS NOT NULL;
    `,
  },
  {
    version: 4,
    name: "rate limits",
    // The next free send slot of a rate-limited endpoint, shared by every worker (sql/endpointGates.ts).
    sql: `
      ALTER TABLE endpoints ADD COLUMN rate_next_at BIGINT;
    `,
  },
  {
    version: 5,
    name: "per-message headers and origin; settings",
    // Direct-URL messages (POST /send, Redis ingest) share one endpoint per URL, so what is
    // particular to one message (Sendhooks' X-Secret-Hash, the stream entry it came from, for
    // the status stream) must live on the message. Both nullable: existing rows need nothing.
    // settings holds values generated once per database and shared by every instance (the
    // default signing secret of direct sends), so two instances never mint different ones.
    sql: `
      ALTER TABLE messages ADD COLUMN headers TEXT;
      ALTER TABLE messages ADD COLUMN origin TEXT;
      CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        created_at BIGINT NOT NULL
      );
    `,
  },
  {
    version: 6,
    name: "delivery control: circuit breaker, adaptive throttling, ordering, background tasks",
    // Endpoint gates read by every claim (sql/endpointGates.ts): hold_until pauses an endpoint
    // without spending attempts (open circuit, Retry-After); throttle_rate is the adaptive rate
    // after 429/503, raised again towards throttle_ceiling while the endpoint answers. Ordered
    // endpoints give their deliveries an order_key; only the oldest pending delivery of a key
    // is claimable (deliveries_order_head finds it). background_tasks holds replays.
    sql: `
      ALTER TABLE endpoints ADD COLUMN ordered INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE endpoints ADD COLUMN disabled_at BIGINT;
      ALTER TABLE endpoints ADD COLUMN hold_until BIGINT;
      ALTER TABLE endpoints ADD COLUMN hold_reason TEXT;
      ALTER TABLE endpoints ADD COLUMN circuit_state INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE endpoints ADD COLUMN circuit_opened_at BIGINT;
      ALTER TABLE endpoints ADD COLUMN circuit_cooldown_ms BIGINT;
      ALTER TABLE endpoints ADD COLUMN throttle_rate DOUBLE PRECISION;
      ALTER TABLE endpoints ADD COLUMN throttle_ceiling DOUBLE PRECISION;
      ALTER TABLE endpoints ADD COLUMN throttle_changed_at BIGINT;
      ALTER TABLE messages ADD COLUMN ordering_key TEXT;
      ALTER TABLE deliveries ADD COLUMN order_key TEXT;
      CREATE INDEX deliveries_order_head ON deliveries (endpoint_id, order_key, id)
        WHERE status = 1 AND order_key IS NOT NULL;
      CREATE INDEX endpoints_circuit ON endpoints (circuit_state) WHERE circuit_state <> 0;
      CREATE TABLE background_tasks (
        id TEXT PRIMARY KEY,
        app_id TEXT NOT NULL,
        endpoint_id TEXT,
        task TEXT NOT NULL,
        status TEXT NOT NULL,
        params TEXT NOT NULL,
        total BIGINT NOT NULL,
        done BIGINT NOT NULL,
        cursor TEXT,
        error TEXT,
        lease_owner TEXT,
        lease_until BIGINT,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
      );
      CREATE INDEX background_tasks_app ON background_tasks (app_id, id);
      CREATE INDEX background_tasks_running ON background_tasks (status) WHERE status = 'running';
    `,
  },
  {
    version: 7,
    name: "endpoint verification; raw message bodies",
    // Verification (opt-in per application): an endpoint with a verification_challenge has not
    // echoed it yet, and its deliveries wait with next_attempt_at NULL, which no claim matches.
    // content_type: a message sent as raw bytes (not JSON) and the type it is sent with; NULL
    // for JSON. (Asymmetric keys need no column: the secret's whsk_ prefix says the scheme.)
    sql: `
      ALTER TABLE applications ADD COLUMN endpoint_verification INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE endpoints ADD COLUMN verification_challenge TEXT;
      ALTER TABLE endpoints ADD COLUMN verification_error TEXT;
      ALTER TABLE messages ADD COLUMN content_type TEXT;
    `,
  },
  {
    version: 8,
    name: "inbound sources and the requests they received",
    // A source receives webhooks from another system and forwards them to an application.
    // verification holds the scheme's settings as JSON; its secret lives apart in `secret`,
    // sealed like endpoint secrets. rate_tat is the token bucket's state (GCRA's theoretical
    // arrival time), kept on the row so every instance draws from one bucket.
    // inbound_requests keeps each request exactly (body as base64: bytes, not text). The
    // unique (source_id, delivery_id) makes concurrent repeats of one delivery store once;
    // NULL delivery ids never collide. A repeat older than the window releases the id first.
    sql: `
      CREATE TABLE sources (
        id TEXT COLLATE "C" PRIMARY KEY,
        uid TEXT COLLATE "C" UNIQUE,
        name TEXT NOT NULL,
        app_id TEXT COLLATE "C" NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
        verification TEXT NOT NULL,
        secret TEXT,
        event_type TEXT NOT NULL,
        delivery_id_header TEXT,
        max_body_bytes INTEGER,
        rate_limit INTEGER,
        rate_burst INTEGER,
        rate_tat BIGINT,
        dedupe_window_seconds INTEGER NOT NULL,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
      );
      CREATE TABLE inbound_requests (
        id TEXT COLLATE "C" PRIMARY KEY,
        source_id TEXT COLLATE "C" NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
        headers TEXT NOT NULL,
        body TEXT NOT NULL,
        delivery_id TEXT,
        event_type TEXT NOT NULL,
        message_id TEXT COLLATE "C" NOT NULL,
        received_at BIGINT NOT NULL,
        UNIQUE (source_id, delivery_id)
      );
      CREATE INDEX inbound_requests_source ON inbound_requests (source_id, id);
    `,
  },
  {
    version: 9,
    name: "pending deliveries by endpoint and due time",
    // Lets a claim step past an endpoint it leaves out (at its concurrency cap) when that
    // endpoint has a deep due backlog: deliveries_due is ordered by time, so a claim scanning
    // it walks every such row older than the work it finds (sql/deliveries.ts, dueByEndpoint).
    sql: `
      CREATE INDEX deliveries_endpoint_due ON deliveries (endpoint_id, next_attempt_at, id) WHERE status = 1;
    `,
  },
  {
    version: 10,
    name: "attempt counts by minute",
    // Attempts per application and minute, by outcome, for the dashboard's charts: counting
    // the attempts themselves read a day's rows on every refresh (2.7 s at 1,000,000 a day, on
    // SQLite's event loop). Written with each batch of results (sql/completions.ts); app_id ''
    // holds every application's total. shard: each process adds to its own row, so instances
    // sharing PostgreSQL do not queue on one row's lock. Not backfilled: the charts fill from
    // the upgrade on. Kept two days (sql/retention.ts), by minute.
    sql: `
      CREATE TABLE attempt_counts (
        app_id TEXT COLLATE "C" NOT NULL,
        minute BIGINT NOT NULL,
        shard INTEGER NOT NULL,
        succeeded BIGINT NOT NULL,
        retrying BIGINT NOT NULL,
        failed BIGINT NOT NULL,
        PRIMARY KEY (app_id, minute, shard)
      );
      CREATE INDEX attempt_counts_minute ON attempt_counts (minute);
    `,
  },
  {
    version: 11,
    name: "endpoints that are not flowing",
    // The endpoints the metrics count (disabled, circuit open, throttled) and the dashboard
    // lists (disabled, circuit open) are few, but finding them read every endpoint row: 20 ms
    // a scrape or a refresh at 100,000 endpoints. The condition is endpointStates' WHERE word
    // for word, which SQLite needs to use a partial index; disabledEndpoints' narrower WHERE
    // (its first two terms) implies it (sql/dashboard.ts).
    sql: `
      CREATE INDEX endpoints_not_flowing ON endpoints (id)
        WHERE disabled = 1 OR circuit_state <> 0 OR throttle_rate IS NOT NULL;
    `,
  },
  {
    version: 12,
    name: "messages by event type",
    // The message list filtered by an event type walked every message of the application
    // until it found a page of them: 52 ms at 1,000,000 messages for a type 1 in 1,000 has.
    // Several types are read one walk per type and merged (sql/paging.ts).
    sql: `
      CREATE INDEX messages_event_type ON messages (app_id, event_type, id);
    `,
  },
];

/** Any fixed number; every Hooklane process migrating this database takes the same lock. */
const MIGRATION_LOCK_KEY = 0x686f6f6b; // "hook"

/**
 * Applies pending migrations in one transaction under a transaction-scoped advisory lock.
 * Two instances starting at once queue on the lock; the second then finds every version
 * recorded and applies nothing. DDL is transactional in PostgreSQL, so a failing migration
 * leaves the schema as it was.
 */
export async function migratePostgres(
  client: pg.ClientBase,
  migrations: readonly Migration[] = POSTGRES_MIGRATIONS,
): Promise<number[]> {
  await client.query("BEGIN");
  try {
    await client.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK_KEY]);
    await client.query(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
    );
    const done = new Set(
      (await client.query<{ version: number }>("SELECT version FROM schema_migrations")).rows.map((r) => r.version),
    );
    const applied: number[] = [];
    for (const migration of migrations) {
      if (done.has(migration.version)) continue;
      await client.query(migration.sql);
      await client.query("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)", [
        migration.version,
        migration.name,
        Date.now(),
      ]);
      applied.push(migration.version);
    }
    await client.query("COMMIT");
    return applied;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  }
}

/** Versions this build knows that the database has not applied (all of them on an empty database). */
export async function pendingMigrations(
  client: pg.ClientBase,
  migrations: readonly Migration[] = POSTGRES_MIGRATIONS,
): Promise<number[]> {
  const table = await client.query<{ found: string | null }>("SELECT to_regclass('schema_migrations')::text AS found");
  if (!table.rows[0]?.found) return migrations.map((m) => m.version);
  const done = new Set(
    (await client.query<{ version: number }>("SELECT version FROM schema_migrations")).rows.map((r) => r.version),
  );
  return migrations.filter((m) => !done.has(m.version)).map((m) => m.version);
}
