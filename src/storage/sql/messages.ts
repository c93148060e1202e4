// Messages and their fan-out into deliveries, written in one transaction.
import { MessageStatus, TriggerType, type Message } from "../../domain/model.js";
import { conflict } from "../../lib/errors.js";
import type { MessageFilter, MessageStore, NewDelivery, Page } from "../contract.js";
import { isUniqueViolation, type Row, type SqlClient, type SqlExecutor, type SqlValue } from "./client.js";
import { channelCondition, eventTypeCondition, timeConditions, type Conditions } from "./filters.js";
import { fromJson, toJson } from "./json.js";
import { fetchPage } from "./paging.js";

/** Deliveries per INSERT statement (8 parameters each, far below either database's limit). */
const DELIVERY_CHUNK = 500;

export const MESSAGE_COLUMNS =
  "id, app_id, event_type, event_id, channels, tags, payload, content_type, payload_expires_at, created_at, headers, origin, ordering_key";

export function toMessage(row: Row, prefix = ""): Message {
  const col = (name: string): SqlValue | undefined => row[prefix + name];
  return {
    id: String(col("id")),
    appId: String(col("app_id")),
    eventType: String(col("event_type")),
    eventId: col("event_id") == null ? null : String(col("event_id")),
    channels: fromJson(col("channels"), null),
    tags: fromJson(col("tags"), null),
    payload: col("payload") == null ? null : String(col("payload")),
    contentType: col("content_type") == null ? null : String(col("content_type")),
    payloadExpiresAt: Number(col("payload_expires_at")),
    createdAt: Number(col("created_at")),
    headers: fromJson(col("headers"), null),
    origin: fromJson(col("origin"), null),
    orderingKey: col("ordering_key") == null ? null : String(col("ordering_key")),
  };
}

interface Statement {
  sql: string;
  params: SqlValue[];
}

// Statement texts built once, not per publish: both clients look statements up by their text.
const MESSAGE_INSERT = `INSERT INTO messages (${MESSAGE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
const DELIVERY_ROW = `(?, ?, ?, ?, ${MessageStatus.pending}, 0, ?, ?, ${TriggerType.scheduled}, ?, ?, ?)`;
/** Texts by row count (at most DELIVERY_CHUNK of each kind). */
const deliveryInserts = new Map<number, string>();
const withMessageInserts = new Map<number, string>();

function memo(texts: Map<number, string>, rows: number, build: () => string): string {
  let sql = texts.get(rows);
  if (sql === undefined) texts.set(rows, (sql = build()));
  return sql;
}

/** The multi-row deliveries INSERT for `rows` rows. */
const deliveryInsertSql = (rows: number): string =>
  memo(
    deliveryInserts,
    rows,
    () => `INSERT INTO deliveries (id, message_id, endpoint_id, app_id, status, attempt_count, next_attempt_at,
         lease_owner, trigger_type, created_at, updated_at, order_key)
       VALUES ${Array.from({ length: rows }, () => DELIVERY_ROW).join(", ")}`,
  );

function messageInsert(m: Message): Statement {
  return {
    sql: MESSAGE_INSERT,
    params: [
      m.id,
      m.appId,
      m.eventType,
      m.eventId,
      toJson(m.channels),
      toJson(m.tags),
      m.payload,
      m.contentType,
      m.payloadExpiresAt,
      m.createdAt,
      toJson(m.headers),
      toJson(m.origin),
      m.orderingKey,
    ],
  };
}

/** One multi-row INSERT for up to DELIVERY_CHUNK deliveries of message `m`. */
function deliveriesInsert(m: Message, chunk: NewDelivery[], firstAttemptAt: number): Statement {
  return {
    sql: deliveryInsertSql(chunk.length),
    // A held delivery (unverified endpoint) has no next attempt time, which no claim matches;
    // a leased one is due again only when its lease runs out, like a claimed one.
    params: chunk.flatMap((d) => [
      d.id,
      m.id,
      d.endpointId,
      m.appId,
      d.held ? null : (d.lease?.until ?? firstAttemptAt),
      d.lease?.owner ?? null,
      m.createdAt,
      m.createdAt,
      d.orderKey ?? null,
    ]),
  };
}

/** Inserts a message and its deliveries; callers run it inside their transaction. */
export async function insertMessage(
  tx: SqlExecutor,
  m: Message,
  deliveries: NewDelivery[],
  firstAttemptAt: number,
): Promise<void> {
  const message = messageInsert(m);
  await tx.execute(message.sql, message.params);
  // One multi-row INSERT per chunk: a fan-out to many endpoints costs one round trip,
  // not one per endpoint (each is a network round trip on PostgreSQL).
  for (let i = 0; i < deliveries.length; i += DELIVERY_CHUNK) {
    const chunk = deliveriesInsert(m, deliveries.slice(i, i + DELIVERY_CHUNK), firstAttemptAt);
    await tx.execute(chunk.sql, chunk.params);
  }
}

/**
 * PostgreSQL: the message and (up to a chunk of) its deliveries as one statement, atomic by
 * itself, so a publish is one round trip instead of four (BEGIN, two INSERTs, COMMIT). The
 * deliveries' foreign key sees the message: PostgreSQL checks it at the end of the statement.
 */
function singleStatementInsert(m: Message, deliveries: NewDelivery[], firstAttemptAt: number): Statement {
  const message = messageInsert(m);
  if (deliveries.length === 0) return message;
  const rows = deliveriesInsert(m, deliveries, firstAttemptAt);
  const sql = memo(withMessageInserts, deliveries.length, () => `WITH message AS (${message.sql}) ${rows.sql}`);
  return { sql, params: [...message.params, ...rows.params] };
}

export class SqlMessageStore implements MessageStore {
  constructor(
    private readonly db: SqlClient,
    private readonly deliveriesDue: () => void = () => undefined,
  ) {}

  async create(m: Message, deliveries: NewDelivery[], firstAttemptAt: number): Promise<void> {
    try {
      if (this.db.dialect === "postgres" && deliveries.length <= DELIVERY_CHUNK) {
        const statement = singleStatementInsert(m, deliveries, firstAttemptAt);
        await this.db.execute(statement.sql, statement.params);
      } else {
        // SQLite has no INSERT in WITH; its group commit makes the transaction cheap instead.
        await this.db.transaction((tx) => insertMessage(tx, m, deliveries, firstAttemptAt));
      }
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict(`A message with eventId "${m.eventId}" already exists`);
      throw error;
    }
    // Leased deliveries are this process's to send: other instances need no wake-up for them.
    if (deliveries.some((d) => !d.held && !d.lease)) this.deliveriesDue();
  }

  async get(appId: string, idOrEventId: string): Promise<Message | null> {
    const rows = await this.db.query(
      `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE app_id = ? AND (id = ? OR event_id = ?) LIMIT 1`,
      [appId, idOrEventId, idOrEventId],
    );
    return rows[0] ? toMessage(rows[0]) : null;
  }

  list(appId: string, filter: MessageFilter): Promise<Page<Message>> {
    const c: Conditions = { where: ["app_id = ?"], params: [appId] };
    eventTypeCondition(c, "event_type", filter.eventTypes);
    channelCondition(c, "channels", filter.channel);
    timeConditions(c, "created_at", filter);
    return fetchPage(
      this.db,
      { select: `SELECT ${MESSAGE_COLUMNS} FROM messages`, ...c, cursorColumn: "id", cursorField: "id" },
      filter,
      "descending",
      (row) => toMessage(row),
    );
  }

  async expungePayload(appId: string, id: string): Promise<void> {
    await this.db.execute("UPDATE messages SET payload = NULL WHERE app_id = ? AND id = ?", [appId, id]);
  }
}
