// Writes a webhook's final state to the status stream, in the dialect sendhooks-monitoring
// (v0.3) or newer Sendhooks releases (v1) read.
import type { AttemptRecorded } from "../../delivery/worker.js";
import type { Logger } from "../../lib/logger.js";
import type { TrackedConnection } from "./connection.js";
import { formatGoTime } from "./goTime.js";

export interface StatusReport {
  webhookId: string;
  status: "success" | "failed";
  deliveryError: string;
  url: string;
  createdMs: number;
  deliveredMs: number;
  payloadSize: number;
  numberOfTries: number;
}

/** The JSON of one status entry. */
export function statusEntryJson(report: StatusReport, dialect: "v0.3" | "v1"): string {
  const created = formatGoTime(report.createdMs);
  const delivered = formatGoTime(report.deliveredMs);
  if (dialect === "v1") {
    return JSON.stringify({
      webhookId: report.webhookId,
      status: report.status,
      deliveryError: report.deliveryError,
      url: report.url,
      created,
      payloadSize: report.payloadSize,
      numberOfTries: report.numberOfTries,
      delivered,
    });
  }
  // numberOfTries is an addition; readers of the v0.3 fields ignore unknown ones.
  return JSON.stringify({
    webhook_id: report.webhookId,
    status: report.status,
    delivery_error: report.deliveryError,
    url: report.url,
    created,
    delivered,
    numberOfTries: report.numberOfTries,
  });
}

/** The report for a final attempt of a message read from the stream; null for anything else. */
export function reportForAttempt(event: AttemptRecorded, stream: string): StatusReport | null {
  const { message, attempt, completion, delivery } = event;
  if (completion.kind === "retry" || completion.kind === "deferred") return null;
  if (message.origin?.source !== "redis-stream" || message.origin.stream !== stream) return null;
  const succeeded = completion.kind === "succeeded";
  return {
    webhookId: message.origin.webhookId ?? message.id,
    status: succeeded ? "success" : "failed",
    deliveryError: succeeded
      ? ""
      : attempt.responseStatusCode > 0
        ? `HTTP ${attempt.responseStatusCode}: ${attempt.response.slice(0, 500)}`
        : attempt.response,
    url: event.endpoint?.url ?? attempt.url,
    createdMs: message.createdAt,
    deliveredMs: attempt.createdAt + attempt.responseDurationMs,
    payloadSize: message.payload === null ? 0 : Buffer.byteLength(message.payload),
    numberOfTries: delivery.attemptCount + 1,
  };
}

export class StatusWriter {
  written = 0;

  constructor(
    private readonly connection: TrackedConnection,
    private readonly statusStream: string,
    private readonly dialect: "v0.3" | "v1",
    private readonly maxLen: number,
    private readonly log: Logger,
  ) {}

  /**
   * Best effort after the attempt is stored: the commands wait across a Redis outage, but a
   * crash between the database commit and this XADD loses the entry (the API still has it).
   */
  async write(report: StatusReport): Promise<void> {
    const json = statusEntryJson(report, this.dialect);
    try {
      if (this.maxLen > 0) {
        await this.connection.redis.xadd(this.statusStream, "MAXLEN", "~", this.maxLen, "*", "data", json);
      } else {
        await this.connection.redis.xadd(this.statusStream, "*", "data", json);
      }
      this.written++;
    } catch (error) {
      this.log.warn({ err: error, webhookId: report.webhookId }, "could not write status entry");
    }
  }
}
