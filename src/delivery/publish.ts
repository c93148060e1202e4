// Publishing: a message and its fan-out to matching endpoints, stored durably in one
// transaction, then the worker is woken.
import { endpointAccepts } from "../domain/routing.js";
import type { Application, Endpoint, Message, MessageOrigin } from "../domain/model.js";
import type { Clock } from "../lib/clock.js";
import { newId } from "../lib/ids.js";
import type { ForwardedMessage, Storage } from "../storage/contract.js";

export interface PublishInput {
  eventType: string;
  payload: unknown;
  eventId?: string | null | undefined;
  channels?: string[] | null | undefined;
  tags?: string[] | null | undefined;
  /** Deliver no earlier than this (unix ms). */
  deliverAt?: number | null | undefined;
  /** Send only to this endpoint (send-example), whatever its filters. */
  onlyEndpointId?: string | undefined;
  /** Hooklane's own events (operational webhooks): not counted as messages users published. */
  internal?: boolean | undefined;
  /** Keep the payload this long instead of the configured default. */
  payloadRetentionMs?: number | null | undefined;
  /** Send only to this endpoint, already loaded (direct sends): skips loading the app's endpoints. */
  endpoint?: Endpoint | undefined;
  /** Headers for this message only. */
  headers?: Record<string, string> | null | undefined;
  origin?: MessageOrigin | null | undefined;
  /** The payload as JSON text, stored and sent byte for byte (forwarded inbound bodies). */
  rawPayload?: string | undefined;
}

export class Publisher {
  private readonly listeners: ((deliveryIds: string[]) => void)[] = [];
  private readonly publishedListeners: ((message: Message, deliveryCount: number) => void)[] = [];

  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
    /** How long payloads are kept unless a message asks otherwise. */
    private readonly payloadRetentionMs: number,
  ) {}

  /**
   * Called whenever deliveries became due; the worker subscribes to wake up. `deliveryIds`
   * names them when known (fresh publishes); empty means "look in the database".
   */
  onWork(listener: (deliveryIds: string[]) => void): void {
    this.listeners.push(listener);
  }

  /** Called after each message users published is stored (metrics); not for internal events. */
  onPublished(listener: (message: Message, deliveryCount: number) => void): void {
    this.publishedListeners.push(listener);
  }

  notifyWork(deliveryIds: string[] = []): void {
    for (const listener of this.listeners) listener(deliveryIds);
  }

  async publish(app: Application, input: PublishInput): Promise<Message> {
    const forward = await this.prepare(app, input);
    await this.storage.messages.create(forward.message, forward.deliveries, forward.firstAttemptAt);
    this.announce(forward, input);
    return forward.message;
  }

  /**
   * The message and its fan-out, not yet stored: for callers that store it in their own
   * transaction (inbound sources), then call `announce`.
   */
  async prepare(app: Application, input: PublishInput): Promise<ForwardedMessage> {
    const now = this.clock.nowMs();
    const message: Message = {
      id: newId("message"),
      appId: app.id,
      eventType: input.eventType,
      eventId: input.eventId ?? null,
      channels: input.channels ?? null,
      tags: input.tags ?? null,
      payload: input.rawPayload ?? JSON.stringify(input.payload),
      payloadExpiresAt: now + (input.payloadRetentionMs ?? this.payloadRetentionMs),
      createdAt: now,
      headers: input.headers ?? null,
      origin: input.origin ?? null,
    };
    const endpoints = input.endpoint ? [input.endpoint] : await this.storage.endpoints.listForRouting(app.id);
    const targets = input.endpoint
      ? endpoints
      : input.onlyEndpointId
        ? endpoints.filter((e) => e.id === input.onlyEndpointId)
        : endpoints.filter((e) => endpointAccepts(e, message));
    const deliveries = targets.map((e) => ({ id: newId("delivery"), endpointId: e.id }));
    return { message, deliveries, firstAttemptAt: Math.max(now, input.deliverAt ?? now) };
  }

  /** After a prepared message was stored: wakes the worker and tells the listeners. */
  announce(forward: ForwardedMessage, input: Pick<PublishInput, "deliverAt" | "internal">): void {
    const { message, deliveries } = forward;
    if (deliveries.length > 0 && (input.deliverAt ?? 0) <= message.createdAt) {
      this.notifyWork(deliveries.map((d) => d.id));
    }
    if (!input.internal) for (const listener of this.publishedListeners) listener(message, deliveries.length);
  }
}
