// Attempt history: one row per HTTP request made (or refused) for a delivery.
import type { Attempt, MessageStatus, TriggerType } from "../../domain/model.js";
import type { AttemptFilter, AttemptStore, Page } from "../contract.js";
import type { Row, SqlClient } from "./client.js";
import { channelCondition, eventTypeCondition, idRange, timeConditions, type Conditions } from "./filters.js";
import { fetchPage } from "./paging.js";

const COLUMNS =
  "a.id, a.message_id, a.endpoint_id, a.app_id, a.url, a.status, a.response_status_code, a.response, a.response_duration_ms, a.trigger_type, a.created_at";

function toAttempt(row: Row): Attempt {
  return {
    id: String(row.id),
    messageId: String(row.message_id),
    endpointId: String(row.endpoint_id),
    appId: String(row.app_id),
    url: String(row.url),
    status: Number(row.status) as MessageStatus,
    responseStatusCode: Number(row.response_status_code),
    response: String(row.response),
    responseDurationMs: Number(row.response_duration_ms),
    trigger: Number(row.trigger_type) as TriggerType,
    createdAt: Number(row.created_at),
  };
}

export class SqlAttemptStore implements AttemptStore {
  constructor(private readonly db: SqlClient) {}

  async get(appId: string, messageId: string, attemptId: string): Promise<Attempt | null> {
    const rows = await this.db.query(
      `SELECT ${COLUMNS} FROM attempts a WHERE a.app_id = ? AND a.message_id = ? AND a.id = ?`,
      [appId, messageId, attemptId],
    );
    return rows[0] ? toAttempt(rows[0]) : null;
  }

  listForMessage(appId: string, messageId: string, filter: AttemptFilter): Promise<Page<Attempt>> {
    return this.list(["a.app_id = ?", "a.message_id = ?"], [appId, messageId], filter);
  }

  listForEndpoint(appId: string, endpointId: string, filter: AttemptFilter): Promise<Page<Attempt>> {
    return this.list(["a.app_id = ?", "a.endpoint_id = ?"], [appId, endpointId], filter);
  }

  private list(where: string[], params: string[], filter: AttemptFilter): Promise<Page<Attempt>> {
    const c: Conditions = { where: [...where], params: [...params] };
    let join = "";
    if (filter.status !== undefined) {
      c.where.push("a.status = ?");
      c.params.push(filter.status);
    }
    if (filter.statusCodeClass !== undefined) {
      // Class 0 is "no response" (connection refused, timeout, refused destination).
      c.where.push(
        filter.statusCodeClass === 0
          ? "a.response_status_code = 0"
          : "a.response_status_code >= ? AND a.response_status_code < ?",
      );
      if (filter.statusCodeClass !== 0) c.params.push(filter.statusCodeClass, filter.statusCodeClass + 100);
    }
    if (filter.endpointId !== undefined) {
      c.where.push("a.endpoint_id = ?");
      c.params.push(filter.endpointId);
    }
    if ((filter.eventTypes && filter.eventTypes.length > 0) || filter.channel) {
      join = " JOIN messages m ON m.id = a.message_id";
      eventTypeCondition(c, "m.event_type", filter.eventTypes);
      channelCondition(c, "m.channels", filter.channel);
    }
    timeConditions(c, "a.created_at", filter);
    idRange(c, "a.id", "attempt", filter);
    return fetchPage(
      this.db,
      { select: `SELECT ${COLUMNS} FROM attempts a${join}`, ...c, cursorColumn: "a.id", cursorField: "id" },
      filter,
      "descending",
      toAttempt,
    );
  }

  async expungeResponse(appId: string, messageId: string, attemptId: string): Promise<void> {
    await this.db.execute("UPDATE attempts SET response = '' WHERE app_id = ? AND message_id = ? AND id = ?", [
      appId,
      messageId,
      attemptId,
    ]);
  }
}
