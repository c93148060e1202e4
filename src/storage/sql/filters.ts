// WHERE fragments shared by the message, attempt and delivery lists.
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
