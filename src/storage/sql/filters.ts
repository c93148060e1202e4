// WHERE fragments shared by the message, attempt and delivery lists.
import { idFloorAt, type IdKind } from "../../lib/ids.js";
import type { TimeRange } from "../contract.js";
import type { SqlValue } from "./client.js";

export interface Conditions {
  where: string[];
  params: SqlValue[];
}

export function eventTypeCondition(c: Conditions, column: string, eventTypes: string[] | undefined): void {
  if (!eventTypes || eventTypes.length === 0) return;
  c.where.push(`${column} IN (${eventTypes.map(() => "?").join(", ")})`);
  c.params.push(...eventTypes);
}

/** Channels are stored as a JSON array of strings; match the quoted name inside it. */
export function channelCondition(c: Conditions, column: string, channel: string | undefined): void {
  if (!channel) return;
  c.where.push(`${column} LIKE ? ESCAPE '\\'`);
  c.params.push(`%${JSON.stringify(channel).replace(/[\\%_]/g, (ch) => "\\" + ch)}%`);
}

export function timeConditions(c: Conditions, column: string, range: TimeRange): void {
  if (range.before !== undefined) {
    c.where.push(`${column} < ?`);
    c.params.push(range.before);
  }
  if (range.after !== undefined) {
    c.where.push(`${column} > ?`);
    c.params.push(range.after);
  }
}

/**
 * How far an id's time may lie after its record's createdAt, by kind (see idRange): messages
 * are minted at it (newIdAt), older ones a moment after. Attempts are minted when the response
 * has arrived, which may be as long after as a receiver drips a body: no bound.
 */
const ID_LAG_MS: Partial<Record<IdKind, number>> = { message: 1000 };

/**
 * A time range as bounds on the records' ids as well, so a list walks its id index only over
 * the range instead of from the newest record (at 1,000,000 messages, 0.5–1.1 s for a `before`
 * far back; bench/message-list.mjs). Goes with timeConditions on created_at, which stays the
 * exact filter. An id's time is never before its record's createdAt, so `after` always bounds
 * it; `before` only for kinds whose lag is bounded (ID_LAG_MS).
 */
export function idRange(c: Conditions, idColumn: string, kind: IdKind, range: TimeRange): void {
  const lagMs = ID_LAG_MS[kind];
  if (range.before !== undefined && lagMs !== undefined) {
    c.where.push(`${idColumn} < ?`);
    c.params.push(idFloorAt(kind, range.before + lagMs));
  }
  if (range.after !== undefined) {
    c.where.push(`${idColumn} >= ?`);
    c.params.push(idFloorAt(kind, range.after + 1));
  }
}
