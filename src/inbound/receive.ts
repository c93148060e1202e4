// Receiving one request for an inbound source: size, authentication, rate limit, then the
// request and the message it is forwarded as are stored in one transaction before anything
// is answered. Verification comes before the rate limit on purpose: it is CPU only, while a
// token costs a database write, and unauthenticated traffic must not drain a source's bucket.
// Results are values; the HTTP route maps them to status codes.
import type { Publisher } from "../delivery/publish.js";
import type { InboundRequest, Source, VerificationType } from "../domain/source.js";
import { deliveryId, eventTypeOf, forwardPayload, parseJsonBody } from "../domain/sourceRouting.js";
import { header, verifyInbound, type Headers } from "../domain/sourceVerify.js";
import type { Clock } from "../lib/clock.js";
import { newId } from "../lib/ids.js";
import type { Storage } from "../storage/contract.js";

export type ReceiveResult =
  | { kind: "accepted"; requestId: string; messageId: string }
  | { kind: "duplicate"; requestId: string; messageId: string }
  | { kind: "unauthorized"; reason: string }
  | { kind: "too_large"; limitBytes: number }
  | { kind: "rate_limited"; retryAfterSeconds: number }
  | { kind: "not_found" };

export type ReceiveOutcomeKind = ReceiveResult["kind"];

export interface ReceivedEvent {
  /** null when no source matched. */
  scheme: VerificationType | null;
  result: ReceiveOutcomeKind;
}

export class InboundReceiver {
  private readonly listeners: ((event: ReceivedEvent) => void)[] = [];

  constructor(
    private readonly storage: Storage,
    private readonly publisher: Publisher,
    private readonly clock: Clock,
    /** The server's body limit: a source's own limit can only be lower. */
    private readonly maxBodyBytes: number,
  ) {}

  /** Called once per request with its outcome (metrics). */
  onReceived(listener: (event: ReceivedEvent) => void): void {
    this.listeners.push(listener);
  }

  async receive(sourceIdOrUid: string, headers: Headers, body: Buffer): Promise<ReceiveResult> {
    const source = await this.storage.sources.get(sourceIdOrUid);
    const result = source ? await this.receiveFor(source, headers, body) : ({ kind: "not_found" } as const);
    for (const listener of this.listeners) {
      listener({ scheme: source?.verification.type ?? null, result: result.kind });
    }
    return result;
  }

  /** Forwards a stored request again, as a new message to the source's application. */
  async replay(source: Source, request: InboundRequest): Promise<string> {
    const app = await this.storage.applications.get(source.appId);
    if (!app) throw new Error(`source ${source.id} points at a missing application`);
    const json = parseJsonBody(request.body);
    const message = await this.publisher.publish(app, {
      eventType: request.eventType,
      payload: null,
      rawPayload: forwardPayload(request.body, header(request.headers, "content-type"), json),
    });
    return message.id;
  }

  private async receiveFor(source: Source, headers: Headers, body: Buffer): Promise<ReceiveResult> {
    const limitBytes = Math.min(source.maxBodyBytes ?? this.maxBodyBytes, this.maxBodyBytes);
    if (body.length > limitBytes) return { kind: "too_large", limitBytes };
    const now = this.clock.nowMs();
    const verification = verifyInbound(source.verification, { headers, body }, now);
    if (!verification.valid) return { kind: "unauthorized", reason: verification.reason };
    if (source.rateLimit !== null) {
      const decision = await this.storage.sources.takeToken(
        source.id,
        source.rateLimit,
        source.rateBurst ?? source.rateLimit,
        now,
      );
      if (!decision.allowed)
        return { kind: "rate_limited", retryAfterSeconds: Math.ceil(decision.retryAfterMs / 1000) };
    }
    const app = await this.storage.applications.get(source.appId);
    if (!app) return { kind: "not_found" };

    const json = parseJsonBody(body);
    const eventType = eventTypeOf(source.eventType, headers, json);
    const publishInput = {
      eventType,
      payload: null,
      rawPayload: forwardPayload(body, header(headers, "content-type"), json),
    };
    const forward = await this.publisher.prepare(app, publishInput);
    const request: InboundRequest = {
      id: newId("inboundRequest"),
      sourceId: source.id,
      headers: flatten(headers),
      body,
      deliveryId: deliveryId(source, headers, json),
      eventType,
      messageId: forward.message.id,
      receivedAt: now,
    };
    const outcome = await this.storage.sources.receive(request, forward, now - source.dedupeWindowSeconds * 1000);
    if (outcome.kind === "duplicate") {
      return { kind: "duplicate", requestId: outcome.of.id, messageId: outcome.of.messageId };
    }
    this.publisher.announce(forward, {});
    return { kind: "accepted", requestId: request.id, messageId: forward.message.id };
  }
}

/** Repeated headers joined as HTTP allows (RFC 9110 §5.3); Node already joins most. */
function flatten(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}
