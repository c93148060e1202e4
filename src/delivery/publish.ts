// Publishing: a message and its fan-out to matching endpoints, stored durably in one
// transaction, then the worker is woken.
import { endpointAccepts } from "../domain/routing.js";
import {
  CircuitState,
  MessageStatus,
  TriggerType,
  type Application,
  type Endpoint,
  type Message,
  type MessageOrigin,
} from "../domain/model.js";
import type { Clock } from "../lib/clock.js";
import { newId, newIdAt } from "../lib/ids.js";
import type { ClaimedDelivery, ForwardedMessage, Storage } from "../storage/contract.js";

/** A body sent exactly as given, not JSON-serialized, with its content type. */
export interface RawBody {
  body: string;
  contentType: string;
}

export interface PublishInput {
  eventType: string;
  payload: unknown;
  /** Sent instead of `payload` when present. */
  raw?: RawBody | undefined;
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
  /** The app's endpoints, read with the app (storage.routing): skips loading them again. */
  endpoints?: Endpoint[] | undefined;
  /**
   * With `endpoints` from a kept copy (Routing.guard): store only if they are still current,
   * else throw StaleRoutingError (the caller reads them afresh and publishes again).
   */
  routingGuard?: string | undefined;
  /** Headers for this message only. */
  headers?: Record<string, string> | null | undefined;
  origin?: MessageOrigin | null | undefined;
  /** The payload as JSON text, stored and sent byte for byte (forwarded inbound bodies). */
  rawPayload?: string | undefined;
  /** Orders this message after earlier ones with the same key, at endpoints that deliver in order. */
  orderingKey?: string | null | undefined;
}

/** A publish being traced: headers to keep with the message, and the end of the span. */
export interface PublishSpan {
  /** Stored with the message (W3C `traceparent`): later attempts link to it and send it on. */
  headers: Record<string, string>;
  end(result: { deliveryCount: number } | { error: unknown }): void;
}

/**
 * A worker in this process that takes fresh deliveries straight from publish: they are stored
 * already leased to it and sent the moment the store commits, with no claim query and no wait
 * for the worker's next turn. It says no when it is busy or has older work to do first; those
 * deliveries are stored due and claimed as usual.
 */
export interface DirectDispatcher {
  reserve(endpointId: string, nowMs: number): { owner: string; until: number } | null;
  /** A reservation that will not be used (the store failed). */
  cancel(endpointId: string): void;
  /** Reserved deliveries, now stored: send them. */
  dispatch(items: ClaimedDelivery[]): void;
}

/**
 * Whether a fresh delivery may skip the claim: nothing the claim checks (rate slots, order
 * keys, verification, circuit, hold, throttle; sql/endpointGates.ts) applies to it. The
 * endpoint row is as fresh as routing reads it (cached on SQLite, where every write to these
 * columns drops the cache).
 */
function needsNoClaim(app: Application, endpoint: Endpoint, nowMs: number): boolean {
  const control = endpoint.control;
  return (
    !endpoint.disabled &&
    endpoint.rateLimit === null &&
    app.rateLimit === null &&
    !endpoint.ordered &&
    endpoint.verification === null &&
    control.circuit === CircuitState.closed &&
    (control.holdUntil === null || control.holdUntil <= nowMs) &&
    control.throttleRate === null
  );
}

/** Starts a span around each publish; set only when tracing is configured. */
export interface PublishTracer {
  startPublish(message: Message): PublishSpan;
}

export class Publisher {
  private readonly listeners: ((deliveryIds: string[]) => void)[] = [];
  private readonly publishedListeners: ((message: Message, deliveryCount: number) => void)[] = [];
  private dispatcher: DirectDispatcher | undefined;

  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
    /** How long payloads are kept unless a message asks otherwise. */
    private readonly payloadRetentionMs: number,
    private readonly tracer?: PublishTracer,
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

  /** Lets publishes hand deliveries straight to this process's worker (see DirectDispatcher). */
  dispatchTo(dispatcher: DirectDispatcher): void {
    this.dispatcher = dispatcher;
  }

  notifyWork(deliveryIds: string[] = []): void {
    for (const listener of this.listeners) listener(deliveryIds);
  }

  async publish(app: Application, input: PublishInput): Promise<Message> {
    const { forward, targets } = await this.plan(app, input);
    const { message, deliveries } = forward;
    const span = this.tracer?.startPublish(message);
    if (span) message.headers = { ...message.headers, ...span.headers };
    const direct = this.reserveDirect(app, forward, targets);
    try {
      await this.storage.messages.create(message, deliveries, forward.firstAttemptAt, input.routingGuard);
      span?.end({ deliveryCount: deliveries.length });
    } catch (error) {
      for (const item of direct) this.dispatcher!.cancel(item.delivery.endpointId);
      span?.end({ error });
      throw error;
    }
    if (direct.length > 0) this.dispatcher!.dispatch(direct);
    this.announce(forward, input);
    return message;
  }

  /** Leases the deliveries the worker can send at once (see DirectDispatcher), marking them. */
  private reserveDirect(
    app: Application,
    forward: ForwardedMessage,
    targets: Map<string, Endpoint>,
  ): ClaimedDelivery[] {
    const { message, deliveries, firstAttemptAt } = forward;
    const now = message.createdAt;
    if (!this.dispatcher || firstAttemptAt > now || message.payload === null) return [];
    const items: ClaimedDelivery[] = [];
    for (const delivery of deliveries) {
      const endpoint = targets.get(delivery.endpointId)!;
      if (delivery.held || !needsNoClaim(app, endpoint, now)) continue;
      const lease = this.dispatcher.reserve(endpoint.id, now);
      if (!lease) continue;
      delivery.lease = lease;
      items.push({
        delivery: {
          id: delivery.id,
          messageId: message.id,
          endpointId: endpoint.id,
          appId: message.appId,
          status: MessageStatus.sending,
          attemptCount: 0,
          nextAttemptAt: lease.until,
          trigger: TriggerType.scheduled,
          createdAt: now,
          updatedAt: now,
        },
        message,
        endpoint,
        leaseOwner: lease.owner,
        sendAt: now,
      });
    }
    return items;
  }

  /**
   * The message and its fan-out, not yet stored: for callers that store it in their own
   * transaction (inbound sources), then call `announce`.
   */
  async prepare(app: Application, input: PublishInput): Promise<ForwardedMessage> {
    return (await this.plan(app, input)).forward;
  }

  /** The message, its fan-out, and the endpoints it goes to by id. */
  private async plan(
    app: Application,
    input: PublishInput,
  ): Promise<{ forward: ForwardedMessage; targets: Map<string, Endpoint> }> {
    const now = this.clock.nowMs();
    const message: Message = {
      // Minted at createdAt: the message lists' time filters become id ranges (sql/filters.ts).
      id: newIdAt("message", now),
      appId: app.id,
      eventType: input.eventType,
      eventId: input.eventId ?? null,
      channels: input.channels ?? null,
      tags: input.tags ?? null,
      payload: input.raw ? input.raw.body : (input.rawPayload ?? JSON.stringify(input.payload)),
      contentType: input.raw?.contentType ?? null,
      payloadExpiresAt: now + (input.payloadRetentionMs ?? this.payloadRetentionMs),
      createdAt: now,
      headers: input.headers ?? null,
      origin: input.origin ?? null,
      orderingKey: input.orderingKey ?? null,
    };
    const endpoints = input.endpoint
      ? [input.endpoint]
      : (input.endpoints ?? (await this.storage.endpoints.listForRouting(app.id)));
    const targets = input.endpoint
      ? endpoints
      : input.onlyEndpointId
        ? endpoints.filter((e) => e.id === input.onlyEndpointId)
        : endpoints.filter((e) => endpointAccepts(e, message));
    // Messages without a key share one line per ordered endpoint; an unverified endpoint's wait.
    const deliveries = targets.map((e) => ({
      id: newId("delivery"),
      endpointId: e.id,
      orderKey: e.ordered ? (message.orderingKey ?? "") : null,
      held: e.verification !== null,
    }));
    return {
      forward: { message, deliveries, firstAttemptAt: Math.max(now, input.deliverAt ?? now) },
      targets: new Map(targets.map((e) => [e.id, e])),
    };
  }

  /** After a prepared message was stored: wakes the worker and tells the listeners. */
  announce(forward: ForwardedMessage, input: Pick<PublishInput, "deliverAt" | "internal">): void {
    const { message, deliveries } = forward;
    const due = deliveries.filter((d) => !d.held && !d.lease).map((d) => d.id);
    if (due.length > 0 && (input.deliverAt ?? 0) <= message.createdAt) this.notifyWork(due);
    if (!input.internal) for (const listener of this.publishedListeners) listener(message, deliveries.length);
  }
}
