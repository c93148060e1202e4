// Inbound sources and the requests they received. A received request and the message it is
// forwarded as are written in one transaction (durable first: nothing is acknowledged that a
// crash could lose, and nothing stored is left unforwarded).
import type { EventTypeRule, InboundRequest, Source, SourceVerification } from "../../domain/source.js";
import type { SecretCipher } from "../../domain/secretCipher.js";
import { conflict } from "../../lib/errors.js";
import { ID_PREFIX } from "../../lib/ids.js";
import type { ForwardedMessage, Page, PageQuery, RateDecision, ReceiveOutcome, SourceStore } from "../contract.js";
import { isUniqueViolation, type Row, type SqlClient, type SqlExecutor, type SqlValue } from "./client.js";
import { fromJson } from "./json.js";
import { insertMessage } from "./messages.js";
import { fetchPage } from "./paging.js";

const COLUMNS =
  "id, uid, name, app_id, verification, secret, event_type, delivery_id_header, max_body_bytes, rate_limit, rate_burst, dedupe_window_seconds, created_at, updated_at";
const REQUEST_COLUMNS = "id, source_id, headers, body, delivery_id, event_type, message_id, received_at";

const numberOrNull = (value: SqlValue | undefined): number | null => (value == null ? null : Number(value));

function toSource(row: Row, cipher: SecretCipher): Source {
  const settings = fromJson<Omit<SourceVerification, "secret">>(row.verification, { type: "none" });
  return {
    id: String(row.id),
    uid: row.uid == null ? null : String(row.uid),
    name: String(row.name),
    appId: String(row.app_id),
    verification: { ...settings, secret: row.secret == null ? null : cipher.open(String(row.secret)) },
    eventType: fromJson<EventTypeRule>(row.event_type, { from: "fixed", value: "inbound" }),
    deliveryIdHeader: row.delivery_id_header == null ? null : String(row.delivery_id_header),
    maxBodyBytes: numberOrNull(row.max_body_bytes),
    rateLimit: numberOrNull(row.rate_limit),
    rateBurst: numberOrNull(row.rate_burst),
    dedupeWindowSeconds: Number(row.dedupe_window_seconds),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

function values(s: Source, cipher: SecretCipher): SqlValue[] {
  const { secret, ...settings } = s.verification;
  return [
    s.id,
    s.uid,
    s.name,
    s.appId,
    JSON.stringify(settings),
    secret === null ? null : cipher.seal(secret),
    JSON.stringify(s.eventType),
    s.deliveryIdHeader,
    s.maxBodyBytes,
    s.rateLimit,
    s.rateBurst,
    s.dedupeWindowSeconds,
    s.createdAt,
    s.updatedAt,
  ];
}

function toRequest(row: Row): InboundRequest {
  return {
    id: String(row.id),
    sourceId: String(row.source_id),
    headers: fromJson(row.headers, {}),
    body: Buffer.from(String(row.body), "base64"),
    deliveryId: row.delivery_id == null ? null : String(row.delivery_id),
    eventType: String(row.event_type),
    messageId: String(row.message_id),
    receivedAt: Number(row.received_at),
  };
}

export class SqlSourceStore implements SourceStore {
  constructor(
    private readonly db: SqlClient,
    private readonly cipher: SecretCipher,
    private readonly deliveriesDue: () => void = () => undefined,
  ) {}

  async create(source: Source): Promise<void> {
    try {
      await this.db.execute(
        `INSERT INTO sources (${COLUMNS}) VALUES (${COLUMNS.split(",")
          .map(() => "?")
          .join(", ")})`,
        values(source, this.cipher),
      );
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict(`A source with uid "${source.uid}" already exists`);
      throw error;
    }
  }

  async get(idOrUid: string): Promise<Source | null> {
    const column = idOrUid.startsWith(ID_PREFIX.source) ? "id" : "uid";
    const rows = await this.db.query(`SELECT ${COLUMNS} FROM sources WHERE ${column} = ?`, [idOrUid]);
    return rows[0] ? toSource(rows[0], this.cipher) : null;
  }

  list(query: PageQuery): Promise<Page<Source>> {
    return fetchPage(
      this.db,
      { select: `SELECT ${COLUMNS} FROM sources`, where: [], params: [], cursorColumn: "id", cursorField: "id" },
      query,
      "ascending",
      (row) => toSource(row, this.cipher),
    );
  }

  async update(source: Source): Promise<void> {
    const [id, ...rest] = values(source, this.cipher);
    const assignments = COLUMNS.split(", ")
      .slice(1)
      .map((column) => `${column} = ?`)
      .join(", ");
    try {
      await this.db.execute(`UPDATE sources SET ${assignments} WHERE id = ?`, [...rest, id!]);
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict(`A source with uid "${source.uid}" already exists`);
      throw error;
    }
  }

  async delete(id: string): Promise<void> {
    await this.db.execute("DELETE FROM sources WHERE id = ?", [id]);
  }

  async takeToken(sourceId: string, ratePerSecond: number, burst: number, nowMs: number): Promise<RateDecision> {
    // GCRA: the bucket is the "theoretical arrival time" (tat). A request fits when tat is at
    // most (burst - 1) intervals ahead of now; taking it moves tat one interval on. The check
    // and the move are one UPDATE, so two instances cannot both take the last token.
    const intervalMs = Math.ceil(1000 / ratePerSecond);
    const toleranceMs = (burst - 1) * intervalMs;
    const taken = await this.db.execute(
      `UPDATE sources SET rate_tat = (CASE WHEN rate_tat IS NULL OR rate_tat < ? THEN ? ELSE rate_tat END) + ?
       WHERE id = ? AND (rate_tat IS NULL OR rate_tat - ? <= ?)`,
      [nowMs, nowMs, intervalMs, sourceId, nowMs, toleranceMs],
    );
    if (taken > 0) return { allowed: true };
    const rows = await this.db.query<{ rate_tat: number | null }>("SELECT rate_tat FROM sources WHERE id = ?", [
      sourceId,
    ]);
    const tat = Number(rows[0]?.rate_tat ?? nowMs);
    return { allowed: false, retryAfterMs: Math.max(1, tat - toleranceMs - nowMs) };
  }

  async receive(request: InboundRequest, forward: ForwardedMessage, dedupeSince: number): Promise<ReceiveOutcome> {
    let outcome: ReceiveOutcome;
    try {
      outcome = await this.db.transaction(async (tx): Promise<ReceiveOutcome> => {
        if (request.deliveryId !== null) {
          const earlier = await this.earlierDelivery(tx, request, dedupeSince);
          if (earlier) return { kind: "duplicate", of: earlier };
        }
        await tx.execute(`INSERT INTO inbound_requests (${REQUEST_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, [
          request.id,
          request.sourceId,
          JSON.stringify(request.headers),
          request.body.toString("base64"),
          request.deliveryId,
          request.eventType,
          request.messageId,
          request.receivedAt,
        ]);
        await insertMessage(tx, forward.message, forward.deliveries, forward.firstAttemptAt);
        return { kind: "stored" };
      });
    } catch (error) {
      // Two concurrent repeats of one delivery (PostgreSQL): the second INSERT waited on the
      // first's index entry and failed once it committed. The first one is the original.
      if (!isUniqueViolation(error) || request.deliveryId === null) throw error;
      const earlier = await this.earlierDelivery(this.db, request, dedupeSince);
      if (!earlier) throw error;
      return { kind: "duplicate", of: earlier };
    }
    if (outcome.kind === "stored" && forward.deliveries.length > 0) this.deliveriesDue();
    return outcome;
  }

  /**
   * The earlier request with this delivery id inside the window, if any. One outside the
   * window gives its id up first, so the unique index lets the new request in.
   */
  private async earlierDelivery(
    tx: SqlExecutor,
    request: InboundRequest,
    dedupeSince: number,
  ): Promise<InboundRequest | null> {
    await tx.execute(
      "UPDATE inbound_requests SET delivery_id = NULL WHERE source_id = ? AND delivery_id = ? AND received_at < ?",
      [request.sourceId, request.deliveryId, dedupeSince],
    );
    const rows = await tx.query(
      `SELECT ${REQUEST_COLUMNS} FROM inbound_requests WHERE source_id = ? AND delivery_id = ?`,
      [request.sourceId, request.deliveryId],
    );
    return rows[0] ? toRequest(rows[0]) : null;
  }

  async getRequest(sourceId: string, id: string): Promise<InboundRequest | null> {
    const rows = await this.db.query(`SELECT ${REQUEST_COLUMNS} FROM inbound_requests WHERE source_id = ? AND id = ?`, [
      sourceId,
      id,
    ]);
    return rows[0] ? toRequest(rows[0]) : null;
  }

  listRequests(sourceId: string, query: PageQuery): Promise<Page<InboundRequest>> {
    return fetchPage(
      this.db,
      {
        select: `SELECT ${REQUEST_COLUMNS} FROM inbound_requests`,
        where: ["source_id = ?"],
        params: [sourceId],
        cursorColumn: "id",
        cursorField: "id",
      },
      query,
      "descending",
      toRequest,
    );
  }
}
