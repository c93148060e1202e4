// Retention: payloads and response bodies expire, old attempts and finished messages go, in
// small batches picked by index so each statement is short (SQLite has one writer; PostgreSQL
// rows stay locked only briefly).
import { MessageStatus } from "../../domain/model.js";
import { idFloorAt } from "../../lib/ids.js";
import type { RetentionStore } from "../contract.js";
import type { SqlClient } from "./client.js";

export class SqlRetentionStore implements RetentionStore {
  constructor(private readonly db: SqlClient) {}

  expirePayloads(nowMs: number, limit: number): Promise<number> {
    return this.db.execute(
      `UPDATE messages SET payload = NULL WHERE id IN (
         SELECT id FROM messages WHERE payload IS NOT NULL AND payload_expires_at <= ? LIMIT ?)`,
      [nowMs, limit],
    );
  }

  pruneAttempts(beforeMs: number, limit: number): Promise<number> {
    return this.db.execute(
      `DELETE FROM attempts WHERE id IN (SELECT id FROM attempts WHERE id < ? ORDER BY id LIMIT ?)`,
      [idFloorAt("attempt", beforeMs), limit],
    );
  }

  pruneAttemptCounts(beforeMs: number): Promise<number> {
    return this.db.execute("DELETE FROM attempt_counts WHERE minute < ?", [beforeMs]);
  }

  pruneMessages(beforeMs: number, limit: number): Promise<number> {
    // Deliveries go with their message (ON DELETE CASCADE). A message still pending or being
    // retried stays, however old, so nothing accepted is dropped undelivered.
    return this.db.execute(
      `DELETE FROM messages WHERE id IN (
         SELECT m.id FROM messages m
         WHERE m.id < ?
           AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.message_id = m.id AND d.status = ${MessageStatus.pending})
         ORDER BY m.id LIMIT ?)`,
      [idFloorAt("message", beforeMs), limit],
    );
  }

  pruneInboundRequests(beforeMs: number, nowMs: number, limit: number): Promise<number> {
    // The id carries the receive time, so the primary key picks old rows. A row younger than
    // its source's dedupe window stays: the window is checked against the stored row, and
    // without it a repeat of that delivery would be stored and forwarded twice. The window
    // is widened to BIGINT first: 30 days in ms overflows PostgreSQL's INTEGER.
    return this.db.execute(
      `DELETE FROM inbound_requests WHERE id IN (
         SELECT r.id FROM inbound_requests r JOIN sources s ON s.id = r.source_id
         WHERE r.id < ? AND r.received_at + CAST(s.dedupe_window_seconds AS BIGINT) * 1000 <= ?
         ORDER BY r.id LIMIT ?)`,
      [idFloorAt("inboundRequest", beforeMs), nowMs, limit],
    );
  }
}
