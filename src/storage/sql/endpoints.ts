// Endpoints: where an application's messages go.
import { MessageStatus, type Endpoint, type RetiredSecret } from "../../domain/model.js";
import type { SecretCipher } from "../../domain/secretCipher.js";
import { conflict } from "../../lib/errors.js";
import type { DisabledEndpoint, EndpointOutcomes, EndpointStore, Page, PageQuery } from "../contract.js";
import { isUniqueViolation, type Row, type SqlClient, type SqlValue } from "./client.js";
import { fromFlag, fromJson, toFlag, toJson } from "./json.js";
import { fetchPage } from "./paging.js";

export const ENDPOINT_COLUMNS =
  "id, app_id, uid, url, description, version, disabled, event_types, channels, rate_limit, metadata, headers, secret, retired_secrets, failing_since, disabled_reason, verification_challenge, verification_error, created_at, updated_at";

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
    failingSince: col("failing_since") == null ? null : Number(col("failing_since")),
    disabledReason: col("disabled_reason") == null ? null : String(col("disabled_reason")),
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
  ) {}

  async create(endpoint: Endpoint): Promise<void> {
    try {
      await this.db.execute(
        `INSERT INTO endpoints (${ENDPOINT_COLUMNS}) VALUES (${ENDPOINT_COLUMNS.split(", ")
          .map(() => "?")
          .join(", ")})`,
        values(endpoint, this.cipher),
      );
    } catch (error) {
      if (isUniqueViolation(error)) throw uidTaken(endpoint);
      throw error;
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

  async listForRouting(appId: string): Promise<Endpoint[]> {
    const rows = await this.db.query(`SELECT ${ENDPOINT_COLUMNS} FROM endpoints WHERE app_id = ? ORDER BY id`, [appId]);
    return rows.map((row) => toEndpoint(row, this.cipher));
  }

  async update(e: Endpoint): Promise<void> {
    // Every column but the keys and creation time, in ENDPOINT_COLUMNS order.
    const columns = ENDPOINT_COLUMNS.split(", ");
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
    }
  }

  recordVerification(
    appId: string,
    id: string,
    challenge: string,
    error: string | null,
    nowMs: number,
  ): Promise<boolean> {
    return this.db.transaction(async (tx) => {
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
    });
  }

  recordHealth(outcomes: EndpointOutcomes, nowMs: number, disableFailingSince: number): Promise<DisabledEndpoint[]> {
    const { succeeded, failed, gone } = outcomes;
    if (succeeded.length + failed.length + gone.length === 0) return Promise.resolve([]);
    return this.db.transaction(async (tx) => {
      const list = (ids: string[]): string => ids.map(() => "?").join(", ");
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
                `UPDATE endpoints SET disabled = 1, disabled_reason = ?, updated_at = ?
                 WHERE disabled = 0 AND id IN (${list(ids)}) ${extra}
                 RETURNING id, app_id, uid, failing_since`,
                [reason, nowMs, ...ids, ...params],
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

  async delete(appId: string, id: string): Promise<void> {
    await this.db.execute("DELETE FROM endpoints WHERE id = ? AND app_id = ?", [id, appId]);
  }
}
