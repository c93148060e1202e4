// Replay: re-driving a selection of deliveries (an application's or an endpoint's, in a time
// range, by event type and state) in batches along a cursor, and creating the deliveries an
// endpoint missed. Cursors are "d:<delivery id>" while walking existing deliveries, then
// "m:<message id>" while walking messages the endpoint never had.
import { MessageStatus, TriggerType, type ReplaySelection } from "../../domain/model.js";
import { endpointAccepts } from "../../domain/routing.js";
import type { SecretCipher } from "../../domain/secretCipher.js";
import { newId } from "../../lib/ids.js";
import type { ReplayStore } from "../contract.js";
import { type SqlClient, type SqlExecutor, type SqlValue, placeholders } from "./client.js";
import { ENDPOINT_COLUMNS, toEndpoint } from "./endpoints.js";
import { eventTypeCondition, type Conditions } from "./filters.js";
import { fromJson } from "./json.js";

function deliveryConditions(s: ReplaySelection): Conditions {
  const c: Conditions = {
    where: ["d.app_id = ?", "m.created_at >= ?", "m.created_at < ?"],
    params: [s.appId, s.since, s.until],
  };
  if (s.endpointId !== null) {
    c.where.push("d.endpoint_id = ?");
    c.params.push(s.endpointId);
  }
  eventTypeCondition(c, "m.event_type", s.eventTypes ?? undefined);
  if (s.status !== null) {
    c.where.push("d.status = ?");
    c.params.push(s.status === MessageStatus.sending ? MessageStatus.pending : s.status);
  }
  return c;
}

/** Messages of the range without a delivery to the endpoint (its filters are applied in code). */
function missedConditions(s: ReplaySelection, endpointId: string): Conditions {
  const c: Conditions = {
    where: [
      "m.app_id = ?",
      "m.created_at >= ?",
      "m.created_at < ?",
      "NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.message_id = m.id AND d.endpoint_id = ?)",
    ],
    params: [s.appId, s.since, s.until, endpointId],
  };
  eventTypeCondition(c, "m.event_type", s.eventTypes ?? undefined);
  return c;
}

/** Missed messages are only looked for when no state filter excludes them (they have none). */
const wantsMissed = (s: ReplaySelection): s is ReplaySelection & { endpointId: string } =>
  s.includeMissed && s.endpointId !== null && s.status === null;

export class SqlReplayStore implements ReplayStore {
  constructor(
    private readonly db: SqlClient,
    private readonly cipher: SecretCipher,
    private readonly deliveriesDue: () => void,
  ) {}

  async count(s: ReplaySelection): Promise<number> {
    const c = deliveryConditions(s);
    const [row] = await this.db.query<{ n: SqlValue }>(
      `SELECT COUNT(*) AS n FROM deliveries d JOIN messages m ON m.id = d.message_id WHERE ${c.where.join(" AND ")}`,
      c.params,
    );
    let total = Number(row?.n ?? 0);
    if (wantsMissed(s)) {
      // Filters are evaluated in code (channels live in JSON): walk the candidates in batches.
      let cursor: string | null = null;
      do {
        const batch = await this.missedBatch(this.db, s, cursor, 1000);
        total += batch.accepted.length;
        cursor = batch.next;
      } while (cursor !== null);
    }
    return total;
  }

  redrive(
    s: ReplaySelection,
    cursor: string | null,
    limit: number,
    nowMs: number,
  ): Promise<{ taken: number; cursor: string | null }> {
    return this.db
      .transaction(async (tx) => {
        if (cursor === null || cursor.startsWith("d:")) {
          const result = await this.redriveDeliveries(tx, s, cursor?.slice(2) ?? "", limit, nowMs);
          if (result.cursor !== null || !wantsMissed(s)) return result;
          return { taken: result.taken, cursor: "m:" };
        }
        return this.createMissed(tx, s as ReplaySelection & { endpointId: string }, cursor.slice(2), limit, nowMs);
      })
      .then((result) => {
        if (result.taken > 0) this.deliveriesDue();
        return result;
      });
  }

  private async redriveDeliveries(
    tx: SqlExecutor,
    s: ReplaySelection,
    after: string,
    limit: number,
    nowMs: number,
  ): Promise<{ taken: number; cursor: string | null }> {
    const c = deliveryConditions(s);
    const rows = await tx.query<{ id: string }>(
      `SELECT d.id FROM deliveries d JOIN messages m ON m.id = d.message_id
       WHERE ${c.where.join(" AND ")} AND d.id > ? ORDER BY d.id LIMIT ?`,
      [...c.params, after, limit],
    );
    if (rows.length === 0) return { taken: 0, cursor: null };
    const ids = rows.map((r) => String(r.id));
    // A delivery being sent right now keeps its lease and its round; one to an endpoint that
    // has not proved it controls its URL stays held (no next attempt time) until it does.
    await tx.execute(
      `UPDATE deliveries SET status = ${MessageStatus.pending}, attempt_count = 0, trigger_type = ${TriggerType.manual},
         updated_at = ?,
         next_attempt_at = CASE WHEN endpoint_id IN (SELECT id FROM endpoints WHERE verification_challenge IS NOT NULL)
                                THEN NULL ELSE ? END
       WHERE id IN (${placeholders(ids.length)}) AND NOT (lease_owner IS NOT NULL AND next_attempt_at > ?)`,
      [nowMs, nowMs, ...ids, nowMs],
    );
    return { taken: ids.length, cursor: rows.length < limit ? null : `d:${ids[ids.length - 1]}` };
  }

  private async missedBatch(
    db: SqlExecutor,
    s: ReplaySelection & { endpointId: string },
    after: string | null,
    limit: number,
  ) {
    const [endpointRow] = await db.query(`SELECT ${ENDPOINT_COLUMNS} FROM endpoints WHERE id = ?`, [s.endpointId]);
    if (!endpointRow) return { accepted: [], next: null, endpoint: null };
    const endpoint = toEndpoint(endpointRow, this.cipher);
    const c = missedConditions(s, s.endpointId);
    const rows = await db.query<{ id: string; event_type: string; channels: SqlValue; ordering_key: string | null }>(
      `SELECT m.id, m.event_type, m.channels, m.ordering_key FROM messages m
       WHERE ${c.where.join(" AND ")} AND m.id > ? ORDER BY m.id LIMIT ?`,
      [...c.params, after ?? "", limit],
    );
    const accepted = rows.filter((r) =>
      endpointAccepts(endpoint, { eventType: r.event_type, channels: fromJson<string[] | null>(r.channels, null) }),
    );
    const next = rows.length < limit ? null : String(rows[rows.length - 1]!.id);
    return { accepted, next, endpoint };
  }

  private async createMissed(
    tx: SqlExecutor,
    s: ReplaySelection & { endpointId: string },
    after: string,
    limit: number,
    nowMs: number,
  ): Promise<{ taken: number; cursor: string | null }> {
    const { accepted, next, endpoint } = await this.missedBatch(tx, s, after, limit);
    // An unverified endpoint gets nothing new until it has echoed its challenge.
    if (endpoint && endpoint.verification === null && accepted.length > 0) {
      await tx.execute(
        `INSERT INTO deliveries (id, message_id, endpoint_id, app_id, status, attempt_count, next_attempt_at,
           lease_owner, trigger_type, created_at, updated_at, order_key)
         VALUES ${accepted.map(() => `(?, ?, ?, ?, ${MessageStatus.pending}, 0, ?, NULL, ${TriggerType.manual}, ?, ?, ?)`).join(", ")}
         ON CONFLICT (message_id, endpoint_id) DO NOTHING`,
        accepted.flatMap((m) => [
          newId("delivery"),
          m.id,
          endpoint.id,
          s.appId,
          nowMs,
          nowMs,
          nowMs,
          endpoint.ordered ? (m.ordering_key ?? "") : null,
        ]),
      );
    }
    return { taken: accepted.length, cursor: next === null ? null : `m:${next}` };
  }
}
