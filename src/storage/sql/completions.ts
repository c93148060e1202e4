// Recording delivery results, set-based: one UPDATE per chunk moves the deliveries on, guarded
// by the lease owner, and one INSERT stores the attempts of the rows that update applied.
// Per-row statements cost two round trips per result, which on PostgreSQL capped a worker at
// a few thousand results per second; chunks keep it to two per few hundred.
import { MessageStatus } from "../../domain/model.js";
import type { CompletedAttempt } from "../contract.js";
import { type SqlExecutor, type SqlValue, orderLine } from "./client.js";

/**
 * A finished delivery of an ordered endpoint lets the next one of its order key go at once
 * (claims hold it back while an earlier one is pending: sql/deliveries.ts).
 */
async function wakeNextInOrder(
  tx: SqlExecutor,
  finished: { endpoint_id: string; order_key: string | null; status: number }[],
  nowMs: number,
): Promise<void> {
  const lines = new Map<string, [string, string]>();
  for (const row of finished) {
    if (row.order_key === null || Number(row.status) === MessageStatus.pending) continue;
    lines.set(orderLine(row.endpoint_id, row.order_key), [row.endpoint_id, row.order_key]);
  }
  for (const [endpointId, orderKey] of lines.values()) {
    await tx.execute(
      `UPDATE deliveries SET next_attempt_at = ?
       WHERE id = (SELECT MIN(id) FROM deliveries
                   WHERE endpoint_id = ? AND order_key = ? AND status = ${MessageStatus.pending})
         AND lease_owner IS NULL AND next_attempt_at > ?`,
      [nowMs, endpointId, orderKey, nowMs],
    );
  }
}

/** Rows per statement: 11 values per attempt stays well under both databases' parameter limits. */
const CHUNK = 500;

const MINUTE_MS = 60_000;

/** attempt_counts' app_id for the total over every application. */
export const ALL_APPS = "";

/** Rows per application and minute in attempt_counts: each process adds to one, picked at random. */
export const COUNT_SHARDS = 16;

/**
 * Adds the attempts to the per-minute counts behind the dashboard's charts: one row per
 * application and minute of the batch, and one for all applications. An attempt is retrying
 * when a retry was scheduled after it, failed when its delivery gave up. Rows go in key order,
 * so two transactions adding to the same rows take their locks in the same order (PostgreSQL).
 */
async function countAttempts(tx: SqlExecutor, results: CompletedAttempt[], shard: number): Promise<void> {
  const counts = new Map<
    string,
    { appId: string; minute: number; succeeded: number; retrying: number; failed: number }
  >();
  for (const { attempt, completion } of results) {
    const minute = Math.floor(attempt.createdAt / MINUTE_MS) * MINUTE_MS;
    const outcome = completion.kind === "succeeded" || completion.kind === "failed" ? completion.kind : "retrying";
    for (const appId of [ALL_APPS, attempt.appId]) {
      const key = `${appId}\u0000${minute}`;
      let row = counts.get(key);
      if (!row) counts.set(key, (row = { appId, minute, succeeded: 0, retrying: 0, failed: 0 }));
      row[outcome]++;
    }
  }
  const rows = [...counts.values()].sort((a, b) =>
    a.appId === b.appId ? a.minute - b.minute : a.appId < b.appId ? -1 : 1,
  );
  await tx.execute(
    `INSERT INTO attempt_counts (app_id, minute, shard, succeeded, retrying, failed)
     VALUES ${rows.map(() => "(?, ?, ?, ?, ?, ?)").join(", ")}
     ON CONFLICT (app_id, minute, shard) DO UPDATE SET
       succeeded = attempt_counts.succeeded + excluded.succeeded,
       retrying = attempt_counts.retrying + excluded.retrying,
       failed = attempt_counts.failed + excluded.failed`,
    rows.flatMap((row) => [row.appId, row.minute, shard, row.succeeded, row.retrying, row.failed]),
  );
}

const ATTEMPT_COLUMNS =
  "id, message_id, endpoint_id, app_id, url, status, response_status_code, response, response_duration_ms, trigger_type, created_at";

/** The delivery's next status and due time, and whether the attempt counts against its budget. */
function nextState(result: CompletedAttempt): [status: number, nextAttemptAt: number | null, spent: 0 | 1] {
  const c = result.completion;
  if (c.kind === "succeeded") return [MessageStatus.success, null, 1];
  if (c.kind === "retry") return [MessageStatus.pending, c.nextAttemptAt, 1];
  if (c.kind === "deferred") return [MessageStatus.pending, c.nextAttemptAt, 0];
  return [MessageStatus.fail, null, 1];
}

/**
 * Applies the results inside the caller's transaction; returns how many applied. A result
 * whose lease another worker took over matches no row (lease_owner differs) and is dropped
 * with its attempt, so a stale worker never overwrites newer work.
 */
export async function completeDeliveries(
  tx: SqlExecutor,
  results: CompletedAttempt[],
  nowMs: number,
  /** This process's attempt_counts rows (see countAttempts). */
  countShard: number,
): Promise<number> {
  let applied = 0;
  for (let start = 0; start < results.length; start += CHUNK) {
    const chunk = results.slice(start, start + CHUNK);
    const values: SqlValue[] = [nowMs];
    for (const result of chunk) values.push(result.deliveryId, result.leaseOwner, ...nextState(result));
    // VALUES columns are column1..4 on both SQLite and PostgreSQL; the casts give PostgreSQL
    // the types it cannot infer from bare parameters.
    const updated = await tx.query<{ id: string; endpoint_id: string; order_key: string | null; status: number }>(
      `UPDATE deliveries AS d
       SET status = v.column3, attempt_count = attempt_count + v.column5, lease_owner = NULL, updated_at = ?,
           -- A retry for an endpoint that became unverified while this attempt was in flight
           -- is held until it is verified (the lookup runs for retries only).
           next_attempt_at = CASE WHEN v.column4 IS NOT NULL AND EXISTS (
             SELECT 1 FROM endpoints e WHERE e.id = d.endpoint_id AND e.verification_challenge IS NOT NULL
           ) THEN NULL ELSE v.column4 END
       FROM (VALUES ${chunk.map(() => "(?, ?, CAST(? AS INTEGER), CAST(? AS BIGINT), CAST(? AS INTEGER))").join(", ")}) AS v
       WHERE d.id = v.column1 AND d.lease_owner = v.column2
       RETURNING id, endpoint_id, order_key, status`,
      values,
    );
    await wakeNextInOrder(tx, updated, nowMs);
    const appliedIds = new Set(updated.map((row) => String(row.id)));
    const appliedResults = chunk.filter((result) => appliedIds.has(result.deliveryId));
    if (appliedResults.length === 0) continue;
    const attempts = appliedResults.map((result) => result.attempt);
    await tx.execute(
      `INSERT INTO attempts (${ATTEMPT_COLUMNS}) VALUES ${attempts.map(() => "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)").join(", ")}`,
      attempts.flatMap((a) => [
        a.id,
        a.messageId,
        a.endpointId,
        a.appId,
        a.url,
        a.status,
        a.responseStatusCode,
        a.response,
        a.responseDurationMs,
        a.trigger,
        a.createdAt,
      ]),
    );
    await countAttempts(tx, appliedResults, countShard);
    applied += attempts.length;
  }
  return applied;
}
