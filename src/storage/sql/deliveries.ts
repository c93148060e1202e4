// The delivery queue: claim with a lease, complete guarded by the lease owner, resend,
// recover, and the per-endpoint views built on it.
import { randomInt } from "node:crypto";
import { MessageStatus, TriggerType, type Delivery } from "../../domain/model.js";
import type { SecretCipher } from "../../domain/secretCipher.js";
import { newId } from "../../lib/ids.js";
import {
  BACKLOG_COUNT_LIMIT,
  type Backlog,
  type ClaimRequest,
  type ClaimedDelivery,
  type CompletedAttempt,
  type DeliveryFilter,
  type DeliveryStats,
  type DeliveryStore,
  type DestinationRow,
  type EndpointMessageRow,
  type Page,
  type PageQuery,
  type TimeRange,
} from "../contract.js";
import {
  type Row,
  type SqlClient,
  type SqlExecutor,
  type SqlValue,
  aliased,
  orderLine,
  placeholders,
} from "./client.js";
import { COUNT_SHARDS, completeDeliveries } from "./completions.js";
import { EndpointGates, notBehindProbe } from "./endpointGates.js";
import { ENDPOINT_COLUMNS, toEndpoint } from "./endpoints.js";
import { channelCondition, eventTypeCondition, idRange, timeConditions, type Conditions } from "./filters.js";
import { MESSAGE_COLUMNS, toMessage } from "./messages.js";
import { fetchPage } from "./paging.js";

/** Left-out endpoints with this many due rows between them make a claim go endpoint by endpoint. */
const DEEP_BACKLOG = 1000;

/** A due row as a claim's candidate scan returns it. */
interface DueRow extends Row {
  id: string;
  endpoint_id: string;
  order_key: string | null;
}

/** …with its due time, to merge rows read endpoint by endpoint. */
type TimedDueRow = DueRow & { next_attempt_at: SqlValue };

const DELIVERY_COLUMNS =
  "id, message_id, endpoint_id, app_id, status, attempt_count, next_attempt_at, lease_owner, trigger_type, created_at, updated_at";

/** A pending delivery whose lease is still running is being sent right now. */
function toDelivery(row: Row, nowMs: number, prefix = "d_"): Delivery {
  const col = (name: string): SqlValue | undefined => row[prefix + name];
  const status = Number(col("status")) as MessageStatus;
  const nextAttemptAt = col("next_attempt_at") == null ? null : Number(col("next_attempt_at"));
  const leased = col("lease_owner") != null && nextAttemptAt !== null && nextAttemptAt > nowMs;
  return {
    id: String(col("id")),
    messageId: String(col("message_id")),
    endpointId: String(col("endpoint_id")),
    appId: String(col("app_id")),
    status: status === MessageStatus.pending && leased ? MessageStatus.sending : status,
    attemptCount: Number(col("attempt_count")),
    nextAttemptAt,
    trigger: Number(col("trigger_type")) as TriggerType,
    createdAt: Number(col("created_at")),
    updatedAt: Number(col("updated_at")),
  };
}

/**
 * A delivery held behind an earlier one of its order key is looked at again after this long,
 * in case the earlier one left the queue without a completion waking it (deleted, pruned).
 */
const ORDER_RECHECK_MS = 60_000;

/**
 * The oldest pending delivery of each order line among the candidates: the only one of its
 * line that may be sent. Delivery ids are ULIDs, so id order is the order they were accepted.
 */
async function orderHeads(
  tx: SqlExecutor,
  candidates: { endpoint_id: string; order_key: string | null }[],
): Promise<Map<string, string>> {
  const ordered = candidates.filter((c) => c.order_key !== null);
  const heads = new Map<string, string>();
  if (ordered.length === 0) return heads;
  const endpointIds = [...new Set(ordered.map((c) => c.endpoint_id))];
  const keys = [...new Set(ordered.map((c) => c.order_key!))];
  const rows = await tx.query<{ endpoint_id: string; order_key: string; head: string }>(
    `SELECT endpoint_id, order_key, MIN(id) AS head FROM deliveries
     WHERE status = ${MessageStatus.pending} AND order_key IS NOT NULL
       AND endpoint_id IN (${placeholders(endpointIds.length)}) AND order_key IN (${placeholders(keys.length)})
     GROUP BY endpoint_id, order_key`,
    [...endpointIds, ...keys],
  );
  for (const row of rows) heads.set(orderLine(row.endpoint_id, row.order_key), row.head);
  return heads;
}

export class SqlDeliveryStore implements DeliveryStore {
  /** This process's rows in attempt_counts (sql/completions.ts). */
  private readonly countShard = randomInt(COUNT_SHARDS);

  constructor(
    private readonly db: SqlClient,
    /** Reads endpoint secrets in claimed rows. */
    private readonly cipher: SecretCipher,
    /** Called after a commit that made deliveries due (resend, recover). */
    private readonly deliveriesDue: () => void = () => undefined,
  ) {}

  claimDue(request: ClaimRequest): Promise<ClaimedDelivery[]> {
    if (request.deliveryIds?.length === 0) return Promise.resolve([]);
    return this.db.transaction(async (tx) => {
      const picked = await this.leaseDueRows(tx, request);
      if (picked.length === 0) return [];
      const sendAt = new Map(picked.map((p) => [p.id, p.sendAt]));
      const ids = [...sendAt.keys()];
      const rows = await tx.query(
        `SELECT ${aliased(DELIVERY_COLUMNS, "d")}, ${aliased(MESSAGE_COLUMNS, "m")}
         FROM deliveries d
         JOIN messages m ON m.id = d.message_id
         WHERE d.id IN (${placeholders(ids.length)})
         ORDER BY d.next_attempt_at`,
        ids,
      );
      // Endpoints by themselves, once each: a batch is mostly a few endpoints' rows, and mapping
      // an endpoint row (JSON columns, secrets) for every delivery showed in claim profiles.
      const endpointIds = [...new Set(rows.map((row) => String(row.d_endpoint_id)))];
      const endpointRows = await tx.query(
        `SELECT ${ENDPOINT_COLUMNS} FROM endpoints WHERE id IN (${placeholders(endpointIds.length)})`,
        endpointIds,
      );
      const endpoints = new Map(endpointRows.map((row) => [String(row.id), toEndpoint(row, this.cipher)]));
      return rows.map((row) => ({
        delivery: toDelivery(row, request.nowMs),
        message: toMessage(row, "m_"),
        endpoint: endpoints.get(String(row.d_endpoint_id)) ?? null,
        leaseOwner: request.leaseOwner,
        sendAt: sendAt.get(String(row.d_id)) ?? request.nowMs,
      }));
    });
  }

  /**
   * Picks due rows, at most `perEndpointLimit` per endpoint so one endpoint's backlog cannot
   * fill a batch, and at most `limit` in all, passing each through its endpoint's gates (hold,
   * circuit, rate: sql/endpointGates.ts) and, for ordered endpoints, taking only the oldest
   * pending delivery of each order key. Picked rows' next_attempt_at moves to the lease expiry.
   * The pick happens here rather than in SQL: a window function sorted every candidate on each
   * claim, which dominated claim cost.
   *
   * On SQLite the single writer makes select-then-update atomic. On PostgreSQL, FOR UPDATE SKIP
   * LOCKED lets concurrent workers pass over each other's candidates instead of queueing on
   * them, and a row another worker leased after our snapshot is re-checked against
   * `next_attempt_at <= now` when locked (READ COMMITTED), so it is dropped, never claimed
   * twice. The locks are held until this transaction's UPDATE commits.
   */
  private async leaseDueRows(tx: SqlExecutor, r: ClaimRequest): Promise<{ id: string; sendAt: number }[]> {
    const candidates = await this.dueCandidates(tx, r);
    const gates = await EndpointGates.load(
      tx,
      this.db.dialect === "postgres",
      [...new Set(candidates.map((row) => row.endpoint_id))],
      r.nowMs,
      r.leaseMs,
    );
    const heads = await orderHeads(tx, candidates);
    const perEndpoint = new Map<string, number>();
    const waiting: { id: string; at: number }[] = [];
    const picked: { id: string; sendAt: number }[] = [];
    for (const row of candidates) {
      if (picked.length === r.limit) break;
      if (row.order_key !== null && heads.get(orderLine(row.endpoint_id, row.order_key)) !== row.id) {
        // An earlier delivery of its key is pending: completing it wakes this one (completions.ts).
        waiting.push({ id: row.id, at: r.nowMs + ORDER_RECHECK_MS });
        continue;
      }
      const taken = perEndpoint.get(row.endpoint_id) ?? 0;
      if (taken >= r.perEndpointLimit) continue;
      const sendAt = gates.take(row.endpoint_id);
      if (sendAt === null) {
        const at = gates.waitUntil(row.endpoint_id);
        if (at !== null) waiting.push({ id: row.id, at });
        continue;
      }
      perEndpoint.set(row.endpoint_id, taken + 1);
      picked.push({ id: row.id, sendAt });
    }
    if (gates.any || waiting.length > 0) await gates.settle(tx, waiting);
    if (picked.length === 0) return [];
    await tx.execute(
      `UPDATE deliveries SET lease_owner = ?, next_attempt_at = ?, updated_at = ? WHERE id IN (${placeholders(picked.length)})`,
      [r.leaseOwner, r.nowMs + r.leaseMs, r.nowMs, ...picked.map((p) => p.id)],
    );
    return picked;
  }

  /**
   * Due rows for a claim to pick from, oldest first, looking past the batch (twice its size)
   * so per-endpoint capping can still fill it. Normally one walk of `deliveries_due` in time
   * order. That walk steps over every due row of the endpoints left out (at the worker's
   * cap), which costs nothing while they keep up but grows without bound behind one that
   * does not (153 ms a claim behind 1,000,000 rows: bench/claim-walk.mjs); so once they hold
   * a deep backlog, the claim goes endpoint by endpoint instead (dueByEndpoint).
   */
  private async dueCandidates(tx: SqlExecutor, r: ClaimRequest): Promise<DueRow[]> {
    if (r.deliveryIds === undefined && r.excludeEndpointIds.length > 0 && (await this.deepBacklog(tx, r))) {
      return this.dueByEndpoint(tx, r);
    }
    const exclude =
      r.excludeEndpointIds.length > 0 ? `AND endpoint_id NOT IN (${placeholders(r.excludeEndpointIds.length)})` : "";
    const only = r.deliveryIds ? `AND id IN (${placeholders(r.deliveryIds.length)})` : "";
    return tx.query<DueRow>(
      `SELECT id, endpoint_id, order_key FROM deliveries
       WHERE status = ${MessageStatus.pending} AND next_attempt_at <= ? AND ${notBehindProbe("endpoint_id")} ${exclude} ${only}
       ORDER BY next_attempt_at LIMIT ? ${this.lock()}`,
      [r.nowMs, r.nowMs, ...r.excludeEndpointIds, ...(r.deliveryIds ?? []), r.limit * 2],
    );
  }

  /** Whether the left-out endpoints hold at least DEEP_BACKLOG due rows between them (≤ that many index entries read). */
  private async deepBacklog(tx: SqlExecutor, r: ClaimRequest): Promise<boolean> {
    const rows = await tx.query(
      `SELECT endpoint_id FROM deliveries
       WHERE status = ${MessageStatus.pending} AND endpoint_id IN (${placeholders(r.excludeEndpointIds.length)})
         AND next_attempt_at <= ?
       LIMIT 1 OFFSET ${DEEP_BACKLOG - 1}`,
      [...r.excludeEndpointIds, r.nowMs],
    );
    return rows.length > 0;
  }

  /**
   * The due rows of every endpoint not left out, through `deliveries_endpoint_due`: first the
   * endpoints that have pending deliveries at all, by a skip scan of that index (one probe per
   * such endpoint: endpoints with nothing queued, most of a large deployment at any moment,
   * cost nothing), and each one's oldest due time; then the rows of the endpoints due longest,
   * until the look-ahead is filled. Oldest first across endpoints, as the walk would give,
   * except that an endpoint's rows come whole after those of endpoints due before it.
   */
  private async dueByEndpoint(tx: SqlExecutor, r: ClaimRequest): Promise<DueRow[]> {
    // SQLite might pick deliveries_endpoint for MIN(endpoint_id), which also holds every
    // finished delivery; INDEXED BY holds it to the partial index (PostgreSQL picks it itself).
    const pending = `deliveries ${this.db.dialect === "sqlite" ? "INDEXED BY deliveries_endpoint_due" : ""}
      WHERE status = ${MessageStatus.pending}`;
    const heads = await tx.query<{ id: string; oldest: SqlValue }>(
      `WITH RECURSIVE queued (endpoint_id) AS (
         SELECT MIN(endpoint_id) FROM ${pending}
         UNION ALL
         SELECT (SELECT MIN(endpoint_id) FROM ${pending} AND endpoint_id > queued.endpoint_id)
         FROM queued WHERE queued.endpoint_id IS NOT NULL)
       SELECT q.endpoint_id AS id,
         (SELECT d.next_attempt_at FROM deliveries d
          WHERE d.status = ${MessageStatus.pending} AND d.endpoint_id = q.endpoint_id AND d.next_attempt_at <= ?
          ORDER BY d.next_attempt_at LIMIT 1) AS oldest
       FROM queued q
       WHERE q.endpoint_id IS NOT NULL AND q.endpoint_id NOT IN (${placeholders(r.excludeEndpointIds.length)})
         AND ${notBehindProbe("q.endpoint_id")}`,
      [r.nowMs, ...r.excludeEndpointIds, r.nowMs],
    );
    const due = heads.filter((h) => h.oldest !== null).sort((a, b) => Number(a.oldest) - Number(b.oldest));
    const wanted = r.limit * 2;
    const rows: TimedDueRow[] = [];
    for (const endpoint of due) {
      if (rows.length >= wanted) break;
      rows.push(
        ...(await tx.query<TimedDueRow>(
          `SELECT id, endpoint_id, order_key, next_attempt_at FROM deliveries
           WHERE status = ${MessageStatus.pending} AND endpoint_id = ? AND next_attempt_at <= ?
           ORDER BY next_attempt_at LIMIT ? ${this.lock()}`,
          // No more of one endpoint than a batch may take of it: the rest go to the next ones.
          [endpoint.id, r.nowMs, Math.min(wanted - rows.length, r.perEndpointLimit)],
        )),
      );
    }
    return rows.sort((a, b) => Number(a.next_attempt_at) - Number(b.next_attempt_at));
  }

  /** PostgreSQL: concurrent workers pass over each other's candidates (see leaseDueRows). */
  private lock(): string {
    return this.db.dialect === "postgres" ? "FOR UPDATE SKIP LOCKED" : "";
  }

  /**
   * All applications: the partial `deliveries_due` index (pending rows by next_attempt_at),
   * walked up to now and for at most one row past the count limit; the oldest is its first
   * entry. One application: the same for each of its endpoints in `deliveries_endpoint_due`,
   * so another application's backlog costs it nothing (the ORDER BY, which only that index
   * serves, keeps PostgreSQL from walking `deliveries_due` instead when its statistics see few
   * endpoints). A claimed row's next_attempt_at is its lease expiry, so rows in flight are not
   * counted.
   */
  async backlog(nowMs: number, appId?: string, countLimit = BACKLOG_COUNT_LIMIT): Promise<Backlog> {
    const pending = `status = ${MessageStatus.pending}`;
    const endpointDue = `FROM deliveries d WHERE d.${pending} AND d.endpoint_id = e.id AND d.next_attempt_at <= ?
      ORDER BY d.endpoint_id, d.next_attempt_at`;
    const [row] =
      appId === undefined
        ? await this.db.query(
            `SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM deliveries WHERE ${pending} AND next_attempt_at <= ? LIMIT ?) AS d) AS due,
               (SELECT next_attempt_at FROM deliveries WHERE ${pending} AND next_attempt_at <= ?
                ORDER BY next_attempt_at LIMIT 1) AS oldest`,
            [nowMs, countLimit + 1, nowMs],
          )
        : await this.db.query(
            `SELECT (SELECT SUM((SELECT COUNT(*) FROM (SELECT 1 ${endpointDue} LIMIT ?) AS x))
                FROM endpoints e WHERE e.app_id = ?) AS due,
               (SELECT MIN((SELECT d.next_attempt_at ${endpointDue} LIMIT 1)) FROM endpoints e WHERE e.app_id = ?) AS oldest`,
            [nowMs, countLimit + 1, appId, nowMs, appId],
          );
    const counted = Number(row?.due ?? 0);
    return {
      due: Math.min(counted, countLimit),
      dueCapped: counted > countLimit,
      oldestDueAt: row?.oldest == null ? null : Number(row.oldest),
    };
  }

  complete(results: CompletedAttempt[], nowMs: number): Promise<number> {
    if (results.length === 0) return Promise.resolve(0);
    return this.db.transaction((tx) => completeDeliveries(tx, results, nowMs, this.countShard));
  }

  async release(deliveryIds: string[], leaseOwner: string, nowMs: number): Promise<void> {
    if (deliveryIds.length === 0) return;
    await this.db.execute(
      `UPDATE deliveries SET lease_owner = NULL, next_attempt_at = ?, updated_at = ?
       WHERE lease_owner = ? AND id IN (${placeholders(deliveryIds.length)})`,
      [nowMs, nowMs, leaseOwner, ...deliveryIds],
    );
  }

  async resend(appId: string, messageId: string, endpointId: string, nowMs: number): Promise<void> {
    // A delivery being sent right now keeps its lease; the resend then only resets its round.
    await this.db.execute(
      `INSERT INTO deliveries (id, message_id, endpoint_id, app_id, status, attempt_count, next_attempt_at, lease_owner,
         trigger_type, created_at, updated_at)
       VALUES (?, ?, ?, ?, ${MessageStatus.pending}, 0, ?, NULL, ${TriggerType.manual}, ?, ?)
       ON CONFLICT (message_id, endpoint_id) DO UPDATE SET
         status = ${MessageStatus.pending}, attempt_count = 0, trigger_type = ${TriggerType.manual}, updated_at = excluded.updated_at,
         next_attempt_at = CASE WHEN deliveries.lease_owner IS NOT NULL AND deliveries.next_attempt_at > excluded.next_attempt_at
                                THEN deliveries.next_attempt_at ELSE excluded.next_attempt_at END`,
      [newId("delivery"), messageId, endpointId, appId, nowMs, nowMs, nowMs],
    );
    this.deliveriesDue();
  }

  async recover(endpointId: string, since: number, until: number, nowMs: number): Promise<number> {
    const recovered = await this.db.execute(
      `UPDATE deliveries SET status = ${MessageStatus.pending}, attempt_count = 0, next_attempt_at = ?, lease_owner = NULL,
         trigger_type = ${TriggerType.manual}, updated_at = ?
       WHERE endpoint_id = ? AND status = ${MessageStatus.fail} AND created_at >= ? AND created_at < ?`,
      [nowMs, nowMs, endpointId, since, until],
    );
    if (recovered > 0) this.deliveriesDue();
    return recovered;
  }

  listForMessage(appId: string, messageId: string, query: PageQuery): Promise<Page<DestinationRow>> {
    const nowMs = Date.now();
    return fetchPage(
      this.db,
      {
        select: `SELECT ${aliased(DELIVERY_COLUMNS, "d")}, ${aliased(ENDPOINT_COLUMNS, "e")}
                 FROM deliveries d JOIN endpoints e ON e.id = d.endpoint_id`,
        where: ["d.app_id = ?", "d.message_id = ?"],
        params: [appId, messageId],
        cursorColumn: "d.endpoint_id",
        cursorField: "d_endpoint_id",
      },
      query,
      "ascending",
      (row) => ({ delivery: toDelivery(row, nowMs), endpoint: toEndpoint(row, this.cipher, "e_") }),
    );
  }

  listForEndpoint(appId: string, endpointId: string, filter: DeliveryFilter): Promise<Page<EndpointMessageRow>> {
    const nowMs = Date.now();
    const c: Conditions = { where: ["d.app_id = ?", "d.endpoint_id = ?"], params: [appId, endpointId] };
    if (filter.status !== undefined) {
      c.where.push("d.status = ?");
      c.params.push(filter.status === MessageStatus.sending ? MessageStatus.pending : filter.status);
    }
    eventTypeCondition(c, "m.event_type", filter.eventTypes);
    channelCondition(c, "m.channels", filter.channel);
    timeConditions(c, "m.created_at", filter);
    idRange(c, "d.message_id", "message", filter);
    return fetchPage(
      this.db,
      {
        select: `SELECT ${aliased(DELIVERY_COLUMNS, "d")}, ${aliased(MESSAGE_COLUMNS, "m")}
                 FROM deliveries d JOIN messages m ON m.id = d.message_id`,
        ...c,
        cursorColumn: "d.message_id",
        cursorField: "d_message_id",
      },
      filter,
      "descending",
      (row) => ({ delivery: toDelivery(row, nowMs), message: toMessage(row, "m_") }),
    );
  }

  async stats(endpointId: string, range: TimeRange, nowMs: number): Promise<DeliveryStats> {
    const c: Conditions = { where: ["endpoint_id = ?"], params: [endpointId] };
    timeConditions(c, "created_at", range);
    const rows = await this.db.query(
      `SELECT status, CASE WHEN lease_owner IS NOT NULL AND next_attempt_at > ? THEN 1 ELSE 0 END AS leased, COUNT(*) AS n
       FROM deliveries WHERE ${c.where.join(" AND ")} GROUP BY 1, 2`,
      [nowMs, ...c.params],
    );
    const stats: DeliveryStats = { success: 0, pending: 0, sending: 0, fail: 0, canceled: 0 };
    for (const row of rows) {
      const n = Number(row.n);
      const status = Number(row.status);
      if (status === MessageStatus.success) stats.success += n;
      else if (status === MessageStatus.fail) stats.fail += n;
      else if (Number(row.leased) === 1) stats.sending += n;
      else stats.pending += n;
    }
    return stats;
  }
}
