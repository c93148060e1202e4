// Read-only aggregates for the dashboard's overview: attempts per time bucket and the endpoints
// that need an operator's attention.
import { CircuitState, MessageStatus } from "../../domain/model.js";
import { idFloorAt } from "../../lib/ids.js";
import type { DashboardStore, DeliveryRateBucket, DeliveryRateQuery, DisabledEndpoint } from "../contract.js";
import type { SqlClient, SqlValue } from "./client.js";

export class SqlDashboardStore implements DashboardStore {
  constructor(private readonly db: SqlClient) {}

  async deliveryRate(q: DeliveryRateQuery): Promise<DeliveryRateBucket[]> {
    // Attempt ids sort by time, so the range is a primary-key range scan (an id is minted when the
    // response is in, created_at when the request started: an attempt straddling a bound by its
    // duration may be left out, which a rate chart can afford). A failed attempt counts
    // as "failed" once its delivery has given up, as "retrying" while it may still go through.
    const params: SqlValue[] = [q.since, q.bucketMs, idFloorAt("attempt", q.since), idFloorAt("attempt", q.until)];
    const app = q.appId === undefined ? "" : "AND a.app_id = ?";
    if (q.appId !== undefined) params.push(q.appId);
    const rows = await this.db.query<{ bucket: SqlValue; outcome: SqlValue; n: SqlValue }>(
      `SELECT (a.created_at - ?) / ? AS bucket,
              CASE WHEN a.status = ${MessageStatus.success} THEN 's'
                   WHEN d.status = ${MessageStatus.fail} THEN 'f' ELSE 'r' END AS outcome,
              COUNT(*) AS n
       FROM attempts a LEFT JOIN deliveries d ON d.message_id = a.message_id AND d.endpoint_id = a.endpoint_id
       WHERE a.id >= ? AND a.id < ? ${app}
       GROUP BY 1, 2`,
      params,
    );
    const buckets: DeliveryRateBucket[] = [];
    for (let start = q.since; start < q.until; start += q.bucketMs) {
      buckets.push({ start, succeeded: 0, retrying: 0, failed: 0 });
    }
    for (const row of rows) {
      const bucket = buckets[Math.floor(Number(row.bucket))];
      if (!bucket) continue;
      const key = row.outcome === "s" ? "succeeded" : row.outcome === "f" ? "failed" : "retrying";
      bucket[key] += Number(row.n);
    }
    return buckets;
  }

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
