// Rows written straight into a SQLite file (far faster than the API) for the benchmarks. History
// for the cost-growth scenario, into a running instance's file: finished messages with their successful deliveries and attempts,
// and pending deliveries, each after one failed attempt, scheduled for a retry a day from now on
// an endpoint the run does not touch.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { monotonicFactory } from "ulid";
import { openStorage } from "../dist/storage/open.js";

const BATCH = 50000;

export function seedHistory(dbPath, { appId, endpointId, idleEndpointId, url, messages, retries }) {
  const db = new Database(dbPath);
  db.pragma("busy_timeout = 30000");
  const ulid = monotonicFactory();
  const now = Date.now();
  const past = now - 24 * 3600 * 1000;
  const payload = JSON.stringify({ type: "invoice.paid", data: "x".repeat(200) });
  const insertMessage = db.prepare(
    "INSERT INTO messages (id, app_id, event_type, payload, created_at, payload_expires_at) VALUES (?, ?, 'invoice.paid', ?, ?, ?)",
  );
  const insertDelivery = db.prepare(
    "INSERT INTO deliveries (id, message_id, endpoint_id, app_id, status, attempt_count, next_attempt_at, trigger_type, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 1, ?, 0, ?, ?)",
  );
  const insertAttempt = db.prepare(
    "INSERT INTO attempts (id, message_id, endpoint_id, app_id, url, status, response_status_code, response, response_duration_ms, trigger_type, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 3, 0, ?)",
  );
  const write = db.transaction((from, to) => {
    for (let i = from; i < to; i++) {
      const messageId = `msg_${ulid(past)}`;
      insertMessage.run(messageId, appId, payload, past, now + 30 * 24 * 3600 * 1000);
      // The first `retries` messages wait for a retry on the idle endpoint; the rest are done.
      const retry = i < retries;
      const target = retry ? idleEndpointId : endpointId;
      if (retry) insertDelivery.run(`dlv_${ulid(past)}`, messageId, target, appId, 1, now + 86400000, past, past);
      else insertDelivery.run(`dlv_${ulid(past)}`, messageId, target, appId, 0, null, past, past);
      insertAttempt.run(
        `atmpt_${ulid(past)}`,
        messageId,
        target,
        appId,
        url,
        retry ? 2 : 0,
        retry ? 500 : 200,
        "",
        past,
      );
    }
  });
  for (let from = 0; from < messages; from += BATCH) write(from, Math.min(messages, from + BATCH));
  db.pragma("wal_checkpoint(TRUNCATE)");
  db.close();
}

/** An application with one endpoint (`ep_<app>`, a port nothing listens on), for the scripts below. */
export function seedApp(db, appId) {
  db.prepare("INSERT INTO applications (id, name, metadata, created_at, updated_at) VALUES (?, ?, '{}', 0, 0)").run(
    appId,
    appId,
  );
  db.prepare(
    `INSERT INTO endpoints (id, app_id, url, description, version, disabled, metadata, headers, secret, retired_secrets, created_at, updated_at)
     VALUES (?, ?, 'http://127.0.0.1:9/', '', 1, 0, '{}', '{}', 'whsec_x', '[]', 0, 0)`,
  ).run(`ep_${appId}`, appId);
}

/**
 * `count` pending deliveries to `ep_<app>`, each with its message, the i-th created at
 * `createdAt(i)` and next attempted at `nextAttemptAt(createdAt)`, held by `leaseOwner` (or none).
 */
export function seedDeliveries(db, { appId, count, createdAt, nextAttemptAt, leaseOwner = null }) {
  const message = db.prepare(
    "INSERT INTO messages (id, app_id, event_type, payload, created_at, payload_expires_at) VALUES (?, ?, 'e', '{}', ?, ?)",
  );
  const delivery = db.prepare(
    "INSERT INTO deliveries (id, message_id, endpoint_id, app_id, status, attempt_count, next_attempt_at, lease_owner, trigger_type, created_at, updated_at) VALUES (?, ?, ?, ?, 1, 0, ?, ?, 0, ?, ?)",
  );
  const ulid = monotonicFactory();
  db.transaction(() => {
    for (let i = 0; i < count; i++) {
      const at = createdAt(i);
      const messageId = `msg_${ulid(at)}`;
      message.run(messageId, appId, at, at + 30 * 24 * 3600 * 1000);
      delivery.run(`dlv_${ulid(at)}`, messageId, `ep_${appId}`, appId, nextAttemptAt(at), leaseOwner, at, at);
    }
  })();
}

/** Runs `use` on a freshly migrated SQLite database file in a temporary directory, then removes it. */
export async function withMigratedDatabase(use) {
  const dir = mkdtempSync(join(tmpdir(), "hooklane-bench-"));
  try {
    const path = join(dir, "bench.db");
    await (await openStorage(path)).close();
    return await use(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
