// WHERE fragments shared by the message, attempt and delivery lists.
import { idFloorAt } from "../../lib/ids.js";
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
 * How far a message's id time may lie after its createdAt. Messages are minted at createdAt
 * (newIdAt); older ones got the wall clock a moment after createdAt was read.
 */
const MESSAGE_ID_LAG_MS = 1000;

/**
 * A message time range as bounds on the message id as well, so a list walks its id index from
 * the range's end instead of from the newest message (at 1,000,000 messages, 0.5–1.1 s for a
 * `before` far back; bench/message-list.mjs). Goes with timeConditions on created_at, which stays the exact filter.
 */
export function messageIdRange(c: Conditions, idColumn: string, range: TimeRange): void {
  if (range.before !== undefined) {
    c.where.push(`${idColumn} < ?`);
    c.params.push(idFloorAt("message", range.before + MESSAGE_ID_LAG_MS));
  }
  if (range.after !== undefined) {
    c.where.push(`${idColumn} >= ?`);
    c.params.push(idFloorAt("message", range.after + 1));
  }
}
