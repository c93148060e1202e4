// Messages and their fan-out into deliveries, written in one transaction shared by the
// publishes of one event-loop turn (publishBatch.ts): on PostgreSQL one statement, on SQLite
// multi-row INSERTs in one savepoint of the client's group commit.
import { MessageStatus, TriggerType, type Message } from "../../domain/model.js";
import { conflict } from "../../lib/errors.js";
import { StaleRoutingError, type MessageFilter, type MessageStore, type NewDelivery, type Page } from "../contract.js";
import { isUniqueViolation, qualified, type Row, type SqlClient, type SqlExecutor, type SqlValue } from "./client.js";
import { channelCondition, eventTypeCondition, idRange, timeConditions, type Conditions } from "./filters.js";
import { fromJson, toJson } from "./json.js";
import { fetchPage } from "./paging.js";
import { PublishBatcher, type Publish, type PublishStatements } from "./publishBatch.js";
import { routingMatches, routingUnchanged } from "./routing.js";

/** Deliveries per INSERT statement (9 parameters each, far below either database's limit). */
const DELIVERY_CHUNK = 500;
/**
 * Rows per multi-row INSERT of a SQLite group publish. Every distinct row count is a statement
 * SQLite keeps prepared, so batches go in chunks of this size and one remainder: at most this
 * many texts of each kind, whatever the batch sizes.
 */
const GROUP_CHUNK = 32;

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
const MESSAGE_ROW = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
const MESSAGE_INSERT = `INSERT INTO messages (${MESSAGE_COLUMNS}) VALUES ${MESSAGE_ROW}`;
const DELIVERY_ROW = `(?, ?, ?, ?, ${MessageStatus.pending}, 0, ?, ?, ${TriggerType.scheduled}, ?, ?, ?)`;
/** Bind parameters of one DELIVERY_ROW. */
const DELIVERY_PARAMETERS = 9;
/** Texts by row count (at most DELIVERY_CHUNK, GROUP_CHUNK of each kind). */
const deliveryInserts = new Map<number, string>();
const groupMessageInserts = new Map<number, string>();
const withMessageInserts = new Map<number, string>();
const guardedInserts = new Map<number, string>();

// PostgreSQL, publishing by a kept copy of the routing (sql/routing.ts): the same rows, stored
// only while the routing still hashes to the copy's guard. Values are typed by CAST, as
// PostgreSQL infers no types for parameters in a SELECT list or a VALUES list.
const MESSAGE_TYPES = "TEXT TEXT TEXT TEXT TEXT TEXT TEXT TEXT BIGINT BIGINT TEXT TEXT TEXT".split(" ");
const casts = (types: string[]): string => types.map((type) => `CAST(? AS ${type})`).join(", ");
const GUARDED_MESSAGE_INSERT = `INSERT INTO messages (${MESSAGE_COLUMNS})
  SELECT ${casts(MESSAGE_TYPES)} WHERE ${routingUnchanged}`;
const DELIVERY_VALUES =
  "id, message_id, endpoint_id, app_id, next_attempt_at, lease_owner, created_at, updated_at, order_key";
const DELIVERY_VALUE_TYPES = "TEXT TEXT TEXT TEXT BIGINT TEXT BIGINT BIGINT TEXT".split(" ");
const DELIVERY_VALUES_ROW = `(${casts(DELIVERY_VALUE_TYPES)})`;
/** A batch's message rows: the message's columns and its guard (null: unguarded). */
const BATCH_MESSAGE_ROW = `(${casts([...MESSAGE_TYPES, "TEXT"])})`;
const repeated = (count: number, row: string): string => Array.from({ length: count }, () => row).join(", ");

/**
 * `rows` deliveries (deliveriesInsert's parameters) inserted for the messages that a `message`
 * CTE (… RETURNING id) actually inserted: none for a message its guard or eventId left out.
 */
const deliveriesOfInserted = (rows: number): string =>
  `INSERT INTO deliveries (id, message_id, endpoint_id, app_id, status, attempt_count, next_attempt_at,
     lease_owner, trigger_type, created_at, updated_at, order_key)
   SELECT d.id, d.message_id, d.endpoint_id, d.app_id, ${MessageStatus.pending}, 0, d.next_attempt_at,
     d.lease_owner, ${TriggerType.scheduled}, d.created_at, d.updated_at, d.order_key
   FROM (VALUES ${repeated(rows, DELIVERY_VALUES_ROW)}) AS d (${DELIVERY_VALUES})
   JOIN message ON message.id = d.message_id`;
/** Batch statement texts by "messages:deliveries" (bounded; a full map starts over). */
const batchInserts = new Map<string, string>();
const BATCH_TEXTS_KEPT = 200;

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

/** The message's INSERT, which inserts nothing once the routing no longer matches `guard`. */
function guardedMessageInsert(m: Message, guard: string): Statement {
  const message = messageInsert(m);
  return { sql: GUARDED_MESSAGE_INSERT, params: [...message.params, m.appId, guard] };
}

/**
 * Inserts a message and its deliveries; callers run it inside their transaction. With a
 * routing guard (PostgreSQL only) it throws StaleRoutingError, storing nothing, when the
 * routing changed.
 */
export async function insertMessage(
  tx: SqlExecutor,
  m: Message,
  deliveries: NewDelivery[],
  firstAttemptAt: number,
  routingGuard?: string,
): Promise<void> {
  const message = routingGuard === undefined ? messageInsert(m) : guardedMessageInsert(m, routingGuard);
  if ((await tx.execute(message.sql, message.params)) === 0) throw new StaleRoutingError();
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

/**
 * singleStatementInsert under a routing guard: the deliveries are inserted from the message's
 * RETURNING, so when the guarded message insert stores nothing, nothing is stored.
 */
function guardedSingleStatementInsert(
  m: Message,
  deliveries: NewDelivery[],
  firstAttemptAt: number,
  guard: string,
): Statement {
  const message = guardedMessageInsert(m, guard);
  if (deliveries.length === 0) return message;
  const rows = deliveriesInsert(m, deliveries, firstAttemptAt);
  const sql = memo(
    guardedInserts,
    deliveries.length,
    () => `WITH message AS (${message.sql} RETURNING id) ${deliveriesOfInserted(deliveries.length)}`,
  );
  return { sql, params: [...message.params, ...rows.params] };
}

/**
 * PostgreSQL: several publishes as one statement (sql/publishBatch.ts). Messages whose guard
 * refuses or whose eventId is taken are left out, with their deliveries (joined to the
 * messages actually inserted); the statement answers the ids it stored.
 */
function batchInsert(publishes: Publish[]): Statement {
  const deliveryCount = publishes.reduce((sum, p) => sum + p.deliveries.length, 0);
  const key = `${publishes.length}:${deliveryCount}`;
  let sql = batchInserts.get(key);
  if (sql === undefined) {
    const deliveryInsert = `, delivery AS (${deliveriesOfInserted(deliveryCount)})`;
    sql = `WITH v (${MESSAGE_COLUMNS}, guard) AS (VALUES ${repeated(publishes.length, BATCH_MESSAGE_ROW)}),
      message AS (
        INSERT INTO messages (${MESSAGE_COLUMNS}) SELECT ${qualified(MESSAGE_COLUMNS, "v")} FROM v
        WHERE v.guard IS NULL OR ${routingMatches("v.app_id", "v.guard")}
        ON CONFLICT (app_id, event_id) WHERE event_id IS NOT NULL DO NOTHING
        RETURNING id)
      ${deliveryCount > 0 ? deliveryInsert : ""}
      SELECT id FROM message`;
    if (batchInserts.size >= BATCH_TEXTS_KEPT) batchInserts.clear();
    batchInserts.set(key, sql);
  }
  const params: SqlValue[] = [];
  for (const p of publishes) params.push(...messageInsert(p.message).params, p.guard ?? null);
  for (const p of publishes) params.push(...deliveriesInsert(p.message, p.deliveries, p.firstAttemptAt).params);
  return { sql, params };
}

/** SQLite: `rows` messages, leaving out those whose eventId is taken; answers the stored ids. */
const groupMessageInsertSql = (rows: number): string =>
  memo(
    groupMessageInserts,
    rows,
    () => `INSERT INTO messages (${MESSAGE_COLUMNS}) VALUES ${repeated(rows, MESSAGE_ROW)}
       ON CONFLICT (app_id, event_id) WHERE event_id IS NOT NULL DO NOTHING RETURNING id`,
  );

function chunks<T>(items: T[], size: number): T[][] {
  const result: T[][] = [];
  for (let i = 0; i < items.length; i += size) result.push(items.slice(i, i + size));
  return result;
}

/**
 * SQLite: several publishes in one transaction, with a multi-row INSERT per GROUP_CHUNK rows
 * instead of two statements and a savepoint per message. Messages whose eventId is taken are
 * left out, with their deliveries; answers the ids it stored.
 */
async function groupInsert(tx: SqlExecutor, publishes: Publish[]): Promise<Set<string>> {
  const stored = new Set<string>();
  for (const chunk of chunks(publishes, GROUP_CHUNK)) {
    const rows = await tx.query(
      groupMessageInsertSql(chunk.length),
      chunk.flatMap((p) => messageInsert(p.message).params),
    );
    for (const row of rows) stored.add(String(row.id));
  }
  const deliveries = publishes
    .filter((p) => stored.has(p.message.id))
    .flatMap((p) => deliveriesInsert(p.message, p.deliveries, p.firstAttemptAt).params);
  for (const chunk of chunks(deliveries, GROUP_CHUNK * DELIVERY_PARAMETERS)) {
    await tx.execute(deliveryInsertSql(chunk.length / DELIVERY_PARAMETERS), chunk);
  }
  return stored;
}

export class SqlMessageStore implements MessageStore {
  /** Gathers the publishes of one event-loop turn into one write. */
  private readonly batcher: PublishBatcher;

  constructor(
    private readonly db: SqlClient,
    private readonly deliveriesDue: () => void = () => undefined,
  ) {
    this.batcher = new PublishBatcher(db.dialect === "postgres" ? this.postgresStatements() : this.sqliteStatements());
  }

  private sqliteStatements(): PublishStatements {
    return {
      storeMany: (publishes) => this.db.transaction((tx) => groupInsert(tx, publishes)),
      storeOne: ({ message, deliveries, firstAttemptAt }) =>
        this.db.transaction((tx) => insertMessage(tx, message, deliveries, firstAttemptAt)),
      parameters: (publish) => MESSAGE_TYPES.length + DELIVERY_PARAMETERS * publish.deliveries.length,
    };
  }

  private postgresStatements(): PublishStatements {
    return {
      storeMany: async (publishes) => {
        const statement = batchInsert(publishes);
        const rows = await this.db.query(statement.sql, statement.params);
        return new Set(rows.map((row) => String(row.id)));
      },
      storeOne: async ({ message, deliveries, firstAttemptAt, guard }) => {
        const statement =
          guard === undefined
            ? singleStatementInsert(message, deliveries, firstAttemptAt)
            : guardedSingleStatementInsert(message, deliveries, firstAttemptAt, guard);
        // Every row or none: none only when the guard refused.
        if ((await this.db.execute(statement.sql, statement.params)) === 0) throw new StaleRoutingError();
      },
      parameters: (publish) => MESSAGE_TYPES.length + 1 + DELIVERY_VALUE_TYPES.length * publish.deliveries.length,
    };
  }

  async create(m: Message, deliveries: NewDelivery[], firstAttemptAt: number, routingGuard?: string): Promise<void> {
    try {
      if (deliveries.length <= DELIVERY_CHUNK) {
        await this.batcher.store({ message: m, deliveries, firstAttemptAt, guard: routingGuard });
      } else {
        await this.db.transaction((tx) => insertMessage(tx, m, deliveries, firstAttemptAt, routingGuard));
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
    // Several event types: one walk of messages_event_type per type (paging.ts's anyOf).
    const eventTypes = [...new Set(filter.eventTypes ?? [])];
    const anyOf = eventTypes.length > 1 ? eventTypes.map((type) => ({ where: "event_type = ?", params: [type] })) : [];
    eventTypeCondition(c, "event_type", eventTypes.length > 1 ? [] : eventTypes);
    channelCondition(c, "channels", filter.channel);
    timeConditions(c, "created_at", filter);
    idRange(c, "id", "message", filter);
    return fetchPage(
      this.db,
      { select: `SELECT ${MESSAGE_COLUMNS} FROM messages`, ...c, anyOf, cursorColumn: "id", cursorField: "id" },
      filter,
      "descending",
      (row) => toMessage(row),
    );
  }

  async expungePayload(appId: string, id: string): Promise<void> {
    await this.db.execute("UPDATE messages SET payload = NULL WHERE app_id = ? AND id = ?", [appId, id]);
  }
}
