// History for the cost-growth scenario, written straight into a running SQLite instance's file
// (far faster than the API): finished messages with their successful deliveries and attempts,
// and pending deliveries, each after one failed attempt, scheduled for a retry a day from now on
// an endpoint the run does not touch.
import Database from "better-sqlite3";
import { monotonicFactory } from "ulid";

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
