// Read-only aggregates for the dashboard's overview: attempts per time bucket and the endpoints
// that need an operator's attention.
import { CircuitState } from "../../domain/model.js";
import type { DashboardStore, DeliveryRateBucket, DeliveryRateQuery, DisabledEndpoint } from "../contract.js";
import type { SqlClient, SqlValue } from "./client.js";
import { ALL_APPS } from "./completions.js";

export class SqlDashboardStore implements DashboardStore {
  constructor(private readonly db: SqlClient) {}

  async deliveryRate(q: DeliveryRateQuery): Promise<DeliveryRateBucket[]> {
    // From the per-minute counts kept with each batch of results (sql/completions.ts): a few
    // rows per minute, however many attempts were made. A minute counts in the bucket its
    // start falls in.
    const rows = await this.db.query<{ bucket: SqlValue; succeeded: SqlValue; retrying: SqlValue; failed: SqlValue }>(
      `SELECT (minute - ?) / ? AS bucket,
              SUM(succeeded) AS succeeded, SUM(retrying) AS retrying, SUM(failed) AS failed
       FROM attempt_counts
       WHERE app_id = ? AND minute >= ? AND minute < ?
       GROUP BY 1`,
      [q.since, q.bucketMs, q.appId ?? ALL_APPS, q.since, q.until],
    );
    const buckets: DeliveryRateBucket[] = [];
    for (let start = q.since; start < q.until; start += q.bucketMs) {
      buckets.push({ start, succeeded: 0, retrying: 0, failed: 0 });
    }
    for (const row of rows) {
      const bucket = buckets[Math.floor(Number(row.bucket))];
      if (!bucket) continue;
      bucket.succeeded += Number(row.succeeded);
      bucket.retrying += Number(row.retrying);
      bucket.failed += Number(row.failed);
    }
    return buckets;
  }

  // Both WHERE clauses below must imply endpoints_not_flowing's (migration 11): this one is it
  // word for word, disabledEndpoints' is its first two terms. SQLite uses a partial index only
  // when it can see that; reworded, each read every endpoint row (test/storage/query-plans.test.ts).
  async endpointStates(): Promise<{ disabled: number; circuitOpen: number; throttled: number }> {
    const [row] = await this.db.query<Record<string, SqlValue>>(
      `SELECT
         COALESCE(SUM(CASE WHEN disabled = 1 THEN 1 ELSE 0 END), 0) AS disabled,
         COALESCE(SUM(CASE WHEN disabled = 0 AND circuit_state <> ${CircuitState.closed} THEN 1 ELSE 0 END), 0) AS circuit_open,
         COALESCE(SUM(CASE WHEN disabled = 0 AND throttle_rate IS NOT NULL THEN 1 ELSE 0 END), 0) AS throttled
       FROM endpoints WHERE disabled = 1 OR circuit_state <> ${CircuitState.closed} OR throttle_rate IS NOT NULL`,
    );
    return {
      disabled: Number(row?.disabled ?? 0),
      circuitOpen: Number(row?.circuit_open ?? 0),
      throttled: Number(row?.throttled ?? 0),
    };
  }

  async disabledEndpoints(appId: string | undefined, limit: number): Promise<DisabledEndpoint[]> {
    // Open circuits too: paused by the breaker, they need the same attention.
    const rows = await this.db.query(
      `SELECT id, app_id, uid, failing_since, disabled, disabled_reason, circuit_state, hold_reason FROM endpoints
       WHERE (disabled = 1 OR circuit_state <> ${CircuitState.closed}) ${appId === undefined ? "" : "AND app_id = ?"}
       ORDER BY updated_at DESC LIMIT ?`,
      appId === undefined ? [limit] : [appId, limit],
    );
    return rows.map((row) => {
      const disabled = Number(row.disabled) === 1;
      return {
        id: String(row.id),
        appId: String(row.app_id),
        uid: row.uid == null ? null : String(row.uid),
        failingSince: row.failing_since == null ? null : Number(row.failing_since),
        state: disabled ? "disabled" : "circuit_open",
        reason: disabled
          ? row.disabled_reason == null
            ? "disabled by the operator"
            : String(row.disabled_reason)
          : String(row.hold_reason ?? "the circuit breaker paused it"),
      };
    });
  }
}
