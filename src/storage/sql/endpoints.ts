// Endpoints: where an application's messages go.
import {
  CircuitState,
  MessageStatus,
  type Endpoint,
  type EndpointControl,
  type RetiredSecret,
} from "../../domain/model.js";
import type { SecretCipher } from "../../domain/secretCipher.js";
import { conflict } from "../../lib/errors.js";
import type { DisabledEndpoint, EndpointOutcomes, EndpointStore, Page, PageQuery } from "../contract.js";
import { isUniqueViolation, type Row, type SqlClient, type SqlValue, placeholders } from "./client.js";
import { MIN_THROTTLE_RATE, THROTTLE_STEP_MS, raisedRate, slowedRate } from "../../domain/throttle.js";
import { fromFlag, fromJson, toFlag, toJson } from "./json.js";
import { fetchPage } from "./paging.js";
import type { VersionedCache } from "../../lib/versionedCache.js";

/** What the API writes. */
const WRITABLE_COLUMNS =
  "id, app_id, uid, url, description, version, disabled, event_types, channels, rate_limit, metadata, headers, secret, retired_secrets, failing_since, disabled_reason, disabled_at, ordered, verification_challenge, verification_error, created_at, updated_at";

/**
 * The delivery engine's gates (sql/endpointGates.ts). Read with the endpoint but never written
 * by an API update, so an edit cannot undo a circuit a worker opened meanwhile.
 */
const CONTROL_COLUMNS =
  "hold_until, hold_reason, circuit_state, circuit_opened_at, circuit_cooldown_ms, throttle_rate, throttle_ceiling";

export const ENDPOINT_COLUMNS = `${WRITABLE_COLUMNS}, ${CONTROL_COLUMNS}`;

const numberOrNull = (value: SqlValue | undefined): number | null => (value == null ? null : Number(value));

function toControl(col: (name: string) => SqlValue | undefined): EndpointControl {
  return {
    holdUntil: numberOrNull(col("hold_until")),
    holdReason: col("hold_reason") == null ? null : String(col("hold_reason")),
    circuit: Number(col("circuit_state") ?? CircuitState.closed) as CircuitState,
    circuitOpenedAt: numberOrNull(col("circuit_opened_at")),
    circuitCooldownMs: numberOrNull(col("circuit_cooldown_ms")),
    throttleRate: numberOrNull(col("throttle_rate")),
    throttleCeiling: numberOrNull(col("throttle_ceiling")),
  };
}

/** Maps an endpoint row; `prefix` reads columns aliased as `ep_<column>` in joins. */
export function toEndpoint(row: Row, cipher: SecretCipher, prefix = ""): Endpoint {
  const col = (name: string): SqlValue | undefined => row[prefix + name];
  return {
    id: String(col("id")),
    appId: String(col("app_id")),
    uid: col("uid") == null ? null : String(col("uid")),
    url: String(col("url")),
    description: String(col("description")),
    version: Number(col("version")),
    disabled: fromFlag(col("disabled")),
    eventTypes: fromJson(col("event_types"), null),
    channels: fromJson(col("channels"), null),
    rateLimit: col("rate_limit") == null ? null : Number(col("rate_limit")),
    metadata: fromJson(col("metadata"), {}),
    headers: fromJson(col("headers"), {}),
    secret: cipher.open(String(col("secret"))),
    retiredSecrets: fromJson<RetiredSecret[]>(col("retired_secrets"), []).map((r) => ({
      ...r,
      key: cipher.open(r.key),
    })),
    failingSince: numberOrNull(col("failing_since")),
    disabledReason: col("disabled_reason") == null ? null : String(col("disabled_reason")),
    disabledAt: numberOrNull(col("disabled_at")),
    ordered: fromFlag(col("ordered")),
    control: toControl(col),
    verification:
      col("verification_challenge") == null
        ? null
        : {
            challenge: String(col("verification_challenge")),
            lastError: col("verification_error") == null ? null : String(col("verification_error")),
          },
    createdAt: Number(col("created_at")),
    updatedAt: Number(col("updated_at")),
  };
}

function values(e: Endpoint, cipher: SecretCipher): SqlValue[] {
  return [
    e.id,
    e.appId,
    e.uid,
    e.url,
    e.description,
    e.version,
    toFlag(e.disabled),
    toJson(e.eventTypes),
    toJson(e.channels),
    e.rateLimit,
    JSON.stringify(e.metadata),
    JSON.stringify(e.headers),
    cipher.seal(e.secret),
    JSON.stringify(e.retiredSecrets.map((r) => ({ ...r, key: cipher.seal(r.key) }))),
    e.failingSince,
    e.disabledReason,
    e.disabledAt,
    toFlag(e.ordered),
    e.verification?.challenge ?? null,
    e.verification?.lastError ?? null,
    e.createdAt,
    e.updatedAt,
  ];
}

/** Columns an update never changes. */
const FIXED = new Set(["id", "app_id", "created_at"]);

const uidTaken = (e: Endpoint) => conflict(`An endpoint with uid "${e.uid}" already exists in this application`);

export class SqlEndpointStore implements EndpointStore {
  constructor(
    private readonly db: SqlClient,
    private readonly cipher: SecretCipher,
    /**
     * listForRouting's results by app id, set when this process is the database's only writer
     * (see sqlStorage). Every write below that changes what routing reads invalidates the app.
     */
    private readonly routingCache?: VersionedCache<string, Endpoint[]>,
  ) {}

  async create(endpoint: Endpoint): Promise<void> {
    try {
      await this.db.execute(
        `INSERT INTO endpoints (${WRITABLE_COLUMNS}) VALUES (${WRITABLE_COLUMNS.split(", ")
          .map(() => "?")
          .join(", ")})`,
        values(endpoint, this.cipher),
      );
    } catch (error) {
      if (isUniqueViolation(error)) throw uidTaken(endpoint);
      throw error;
    } finally {
      this.routingCache?.invalidate(endpoint.appId);
    }
  }

  async get(appId: string, idOrUid: string): Promise<Endpoint | null> {
    const rows = await this.db.query(
      `SELECT ${ENDPOINT_COLUMNS} FROM endpoints WHERE app_id = ? AND (id = ? OR uid = ?) LIMIT 1`,
      [appId, idOrUid, idOrUid],
    );
    return rows[0] ? toEndpoint(rows[0], this.cipher) : null;
  }

  list(appId: string, query: PageQuery): Promise<Page<Endpoint>> {
    return fetchPage(
      this.db,
      {
        select: `SELECT ${ENDPOINT_COLUMNS} FROM endpoints`,
        where: ["app_id = ?"],
        params: [appId],
        cursorColumn: "id",
        cursorField: "id",
      },
      query,
      "descending",
      (row) => toEndpoint(row, this.cipher),
    );
  }

  listForRouting(appId: string): Promise<Endpoint[]> {
    if (!this.routingCache) return this.loadForRouting(appId);
    return this.routingCache.get(appId, () => this.loadForRouting(appId));
  }

  private async loadForRouting(appId: string): Promise<Endpoint[]> {
    const rows = await this.db.query(`SELECT ${ENDPOINT_COLUMNS} FROM endpoints WHERE app_id = ? ORDER BY id`, [appId]);
    return rows.map((row) => toEndpoint(row, this.cipher));
  }

  async update(e: Endpoint): Promise<void> {
    // Every column but the keys and creation time, in WRITABLE_COLUMNS order.
    const columns = WRITABLE_COLUMNS.split(", ");
    const changed = columns.map((column, i) => [column, i] as const).filter(([column]) => !FIXED.has(column));
    const row = values(e, this.cipher);
    try {
      await this.db.transaction(async (tx) => {
        await tx.execute(
          `UPDATE endpoints SET ${changed.map(([column]) => `${column} = ?`).join(", ")} WHERE id = ? AND app_id = ?`,
          [...changed.map(([, i]) => row[i] ?? null), e.id, e.appId],
        );
        // Unverified: what waits for it is held. Rows in flight keep their lease; their
        // completion holds them if they need a retry (sql/completions.ts).
        if (e.verification) {
          await tx.execute(
            `UPDATE deliveries SET next_attempt_at = NULL
             WHERE endpoint_id = ? AND status = ${MessageStatus.pending} AND next_attempt_at IS NOT NULL
               AND (lease_owner IS NULL OR next_attempt_at <= ?)`,
            [e.id, e.updatedAt],
          );
        }
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw uidTaken(e);
      throw error;
    } finally {
      this.routingCache?.invalidate(e.appId);
    }
  }

  recordVerification(
    appId: string,
    id: string,
    challenge: string,
    error: string | null,
    nowMs: number,
  ): Promise<boolean> {
    return this.invalidatingAfter(appId, () =>
      this.db.transaction(async (tx) => {
        const applied = await tx.execute(
          `UPDATE endpoints SET verification_challenge = ?, verification_error = ?
         WHERE id = ? AND app_id = ? AND verification_challenge = ?`,
          [error === null ? null : challenge, error, id, appId, challenge],
        );
        if (applied === 0) return false;
        if (error === null) {
          await tx.execute(
            `UPDATE deliveries SET next_attempt_at = ?, lease_owner = NULL, updated_at = ?
           WHERE endpoint_id = ? AND status = ${MessageStatus.pending} AND next_attempt_at IS NULL`,
            [nowMs, nowMs, id],
          );
        }
        return true;
      }),
    );
  }

  async recordHealth(
    outcomes: EndpointOutcomes,
    nowMs: number,
    disableFailingSince: number,
  ): Promise<DisabledEndpoint[]> {
    const disabled = await this.applyHealth(outcomes, nowMs, disableFailingSince);
    for (const endpoint of disabled) this.routingCache?.invalidate(endpoint.appId);
    return disabled;
  }

  /** Routing keeps `failingSince` as loaded: only disabling changes where messages go. */
  private applyHealth(
    outcomes: EndpointOutcomes,
    nowMs: number,
    disableFailingSince: number,
  ): Promise<DisabledEndpoint[]> {
    const { succeeded, failed, gone } = outcomes;
    if (succeeded.length + failed.length + gone.length === 0) return Promise.resolve([]);
    return this.db.transaction(async (tx) => {
      const list = (ids: string[]): string => placeholders(ids.length);
      if (succeeded.length > 0) {
        await tx.execute(
          `UPDATE endpoints SET failing_since = NULL WHERE failing_since IS NOT NULL AND id IN (${list(succeeded)})`,
          succeeded,
        );
      }
      const failing = [...failed, ...gone];
      if (failing.length > 0) {
        await tx.execute(
          `UPDATE endpoints SET failing_since = ? WHERE failing_since IS NULL AND id IN (${list(failing)})`,
          [nowMs, ...failing],
        );
      }
      const disable = async (ids: string[], reason: string, extra: string, params: SqlValue[]) =>
        ids.length === 0
          ? []
          : (
              await tx.query(
                `UPDATE endpoints SET disabled = 1, disabled_reason = ?, disabled_at = ?, updated_at = ?
                 WHERE disabled = 0 AND id IN (${list(ids)}) ${extra}
                 RETURNING id, app_id, uid, failing_since`,
                [reason, nowMs, nowMs, ...ids, ...params],
              )
            ).map((row) => ({
              id: String(row.id),
              appId: String(row.app_id),
              uid: row.uid == null ? null : String(row.uid),
              failingSince: row.failing_since == null ? null : Number(row.failing_since),
              reason,
            }));
      return [
        ...(await disable(gone, "the endpoint answered 410 Gone", "", [])),
        ...(await disable(failed, "every attempt failed for longer than the disable window", "AND failing_since <= ?", [
          disableFailingSince,
        ])),
      ];
    });
  }

  // Circuit and throttle changes decide whether a publish may hand its deliveries straight to
  // the worker (delivery/publish.ts), so they drop cached routing too. They are rare, and know
  // only the endpoint id, so they drop it all.

  async openCircuit(endpointId: string, nowMs: number, cooldownMs: number, reason: string): Promise<void> {
    await this.db.execute(
      `UPDATE endpoints SET circuit_state = ${CircuitState.open}, circuit_opened_at = COALESCE(circuit_opened_at, ?),
         circuit_cooldown_ms = ?, hold_until = ?, hold_reason = ?
       WHERE id = ?`,
      [nowMs, cooldownMs, nowMs + cooldownMs, reason, endpointId],
    );
    this.routingCache?.clear();
  }

  async closeCircuits(endpointIds: string[]): Promise<void> {
    if (endpointIds.length === 0) return;
    const closed = await this.db.execute(
      `UPDATE endpoints SET circuit_state = ${CircuitState.closed}, circuit_opened_at = NULL, circuit_cooldown_ms = NULL,
         hold_until = NULL, hold_reason = NULL
       WHERE circuit_state <> ${CircuitState.closed} AND id IN (${placeholders(endpointIds.length)})`,
      endpointIds,
    );
    if (closed > 0) this.routingCache?.clear();
  }

  async throttle(endpointId: string, nowMs: number, holdUntil: number, observedRate: number): Promise<number | null> {
    const stepped = await this.db.transaction(async (tx) => {
      const lock = this.db.dialect === "postgres" ? "FOR UPDATE" : "";
      const [row] = await tx.query<Record<string, SqlValue>>(
        `SELECT throttle_rate, throttle_ceiling, throttle_changed_at, hold_until FROM endpoints WHERE id = ? ${lock}`,
        [endpointId],
      );
      if (!row) return null;
      const current = numberOrNull(row.throttle_rate);
      const stepDue = row.throttle_changed_at == null || Number(row.throttle_changed_at) <= nowMs - THROTTLE_STEP_MS;
      const rate = stepDue ? slowedRate(current, observedRate) : (current ?? MIN_THROTTLE_RATE);
      const ceiling = numberOrNull(row.throttle_ceiling) ?? Math.max(observedRate, rate * 2);
      const hold = Math.max(holdUntil, numberOrNull(row.hold_until) ?? 0);
      await tx.execute(
        `UPDATE endpoints SET throttle_rate = ?, throttle_ceiling = ?, throttle_changed_at = ?, hold_until = ?
         WHERE id = ?`,
        [rate, ceiling, stepDue ? nowMs : Number(row.throttle_changed_at), hold, endpointId],
      );
      return stepDue && rate !== current ? rate : null;
    });
    this.routingCache?.clear();
    return stepped;
  }

  async relaxThrottles(endpointIds: string[], nowMs: number): Promise<void> {
    if (endpointIds.length === 0) return;
    const relaxed = await this.db.transaction(async (tx) => {
      const rows = await tx.query<Record<string, SqlValue>>(
        `SELECT id, throttle_rate, throttle_ceiling FROM endpoints
         WHERE throttle_rate IS NOT NULL AND throttle_changed_at <= ? AND id IN (${placeholders(endpointIds.length)})
         ORDER BY id ${this.db.dialect === "postgres" ? "FOR UPDATE" : ""}`,
        [nowMs - THROTTLE_STEP_MS, ...endpointIds],
      );
      for (const row of rows) {
        const next = raisedRate(Number(row.throttle_rate), Number(row.throttle_ceiling));
        await tx.execute(
          "UPDATE endpoints SET throttle_rate = ?, throttle_ceiling = ?, throttle_changed_at = ? WHERE id = ?",
          [next, next === null ? null : Number(row.throttle_ceiling), nowMs, String(row.id)],
        );
      }
      return rows.length;
    });
    if (relaxed > 0) this.routingCache?.clear();
  }

  async delete(appId: string, id: string): Promise<void> {
    await this.invalidatingAfter(appId, () =>
      this.db.execute("DELETE FROM endpoints WHERE id = ? AND app_id = ?", [id, appId]),
    );
  }

  /** Runs a write, then drops the app's routing entry, whether the write succeeded or not. */
  private async invalidatingAfter<T>(appId: string, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } finally {
      this.routingCache?.invalidate(appId);
    }
  }
}
