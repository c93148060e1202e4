// Domain records → Svix-shaped JSON. Field names follow the Svix API; where the spec and the
// SDK disagree (eventTypes/filterTypes, throttleRate/rateLimit) both are returned.
import {
  CircuitState,
  STATUS_TEXT,
  type Application,
  type Attempt,
  type Delivery,
  type Endpoint,
  type EventType,
  type Message,
} from "../domain/model.js";
import type { InboundRequest, Source } from "../domain/source.js";
import type { Page } from "../storage/contract.js";

export const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export function presentPage<T, O>(page: Page<T>, present: (item: T) => O) {
  return { data: page.items.map(present), iterator: page.iterator, prevIterator: page.prevIterator, done: page.done };
}

export function presentApplication(app: Application) {
  return {
    id: app.id,
    uid: app.uid,
    name: app.name,
    rateLimit: app.rateLimit,
    throttleRate: app.rateLimit,
    metadata: app.metadata,
    endpointVerification: app.endpointVerification,
    createdAt: iso(app.createdAt)!,
    updatedAt: iso(app.updatedAt)!,
  };
}

export function presentEndpoint(e: Endpoint) {
  return {
    id: e.id,
    uid: e.uid,
    url: e.url,
    description: e.description,
    version: e.version,
    disabled: e.disabled,
    filterTypes: e.eventTypes,
    eventTypes: e.eventTypes,
    channels: e.channels,
    rateLimit: e.rateLimit,
    throttleRate: e.rateLimit,
    metadata: e.metadata,
    ordered: e.ordered,
    health: presentHealth(e, Date.now()),
    verified: e.verification === null,
    verificationError: e.verification?.lastError ?? null,
    createdAt: iso(e.createdAt)!,
    updatedAt: iso(e.updatedAt)!,
  };
}

/** The endpoint's state as operators need it: what is happening and why. */
export function presentHealth(e: Endpoint, nowMs: number) {
  const c = e.control;
  const paused = c.holdUntil !== null && c.holdUntil > nowMs ? c.holdUntil : null;
  const [state, reason] = e.disabled
    ? (["disabled", e.disabledReason ?? "disabled by hand"] as const)
    : c.circuit === CircuitState.open
      ? (["circuit_open", c.holdReason] as const)
      : c.circuit === CircuitState.halfOpen
        ? (["circuit_half_open", "a probe delivery is testing the endpoint"] as const)
        : c.throttleRate !== null || paused !== null
          ? (["throttled", "the endpoint asked to slow down (429, or 503 with Retry-After)"] as const)
          : e.failingSince !== null
            ? (["failing", "its latest attempts failed"] as const)
            : (["healthy", null] as const);
  return {
    state,
    reason,
    failingSince: iso(e.failingSince),
    disabledAt: e.disabled ? iso(e.disabledAt) : null,
    circuitOpenedAt: iso(c.circuitOpenedAt),
    pausedUntil: iso(paused),
    throttleRate: c.throttleRate === null ? null : Math.round(c.throttleRate * 100) / 100,
  };
}

export function presentMessage(m: Message, withContent = true) {
  return {
    id: m.id,
    eventType: m.eventType,
    eventId: m.eventId,
    channels: m.channels,
    tags: m.tags,
    // An expunged payload reads as {} (as in Svix); without content, too. A raw body is
    // returned as it was given: in transformationsParams, with payload {}.
    payload:
      withContent && m.payload !== null && m.contentType === null
        ? (JSON.parse(m.payload) as Record<string, unknown>)
        : {},
    ...(withContent && m.payload !== null && m.contentType !== null
      ? { transformationsParams: { rawPayload: m.payload, headers: { "content-type": m.contentType } } }
      : {}),
    timestamp: iso(m.createdAt)!,
    orderingKey: m.orderingKey,
  };
}

function presentDeliveryState(d: Delivery) {
  return { status: d.status, statusText: STATUS_TEXT[d.status], nextAttempt: iso(d.nextAttemptAt) };
}

export function presentEndpointMessage(m: Message, d: Delivery, withContent: boolean) {
  return { ...presentMessage(m, withContent), ...presentDeliveryState(d) };
}

export function presentMessageEndpoint(e: Endpoint, d: Delivery) {
  return { ...presentEndpoint(e), ...presentDeliveryState(d) };
}

export function presentAttempt(a: Attempt, withContent = true) {
  return {
    id: a.id,
    msgId: a.messageId,
    endpointId: a.endpointId,
    url: a.url,
    response: withContent ? a.response : "",
    responseStatusCode: a.responseStatusCode,
    responseDurationMs: a.responseDurationMs,
    status: a.status,
    statusText: STATUS_TEXT[a.status],
    triggerType: a.trigger,
    timestamp: iso(a.createdAt)!,
  };
}

export function presentEventType(e: EventType, withContent = true) {
  return {
    name: e.name,
    description: e.description,
    schemas: withContent ? e.schemas : null,
    archived: e.archived,
    deprecated: e.deprecated,
    featureFlag: e.featureFlag,
    createdAt: iso(e.createdAt)!,
    updatedAt: iso(e.updatedAt)!,
  };
}

/** Secrets stay out: the sender already has them, and listings must not spread them. */
export function presentSource(s: Source, ingestUrl: string) {
  const { secret: _secret, ...verification } = s.verification;
  return {
    id: s.id,
    uid: s.uid,
    name: s.name,
    appId: s.appId,
    ingestUrl,
    verification,
    eventType: s.eventType,
    deliveryIdHeader: s.deliveryIdHeader,
    maxBodyBytes: s.maxBodyBytes,
    rateLimit: s.rateLimit,
    rateBurst: s.rateBurst,
    dedupeWindowSeconds: s.dedupeWindowSeconds,
    createdAt: iso(s.createdAt)!,
    updatedAt: iso(s.updatedAt)!,
  };
}

export function presentInboundRequest(r: InboundRequest) {
  const text = r.body.toString("utf8");
  return {
    id: r.id,
    sourceId: r.sourceId,
    headers: r.headers,
    body: Buffer.from(text, "utf8").equals(r.body) ? text : null,
    bodyBase64: r.body.toString("base64"),
    deliveryId: r.deliveryId,
    eventType: r.eventType,
    messageId: r.messageId,
    receivedAt: iso(r.receivedAt)!,
  };
}
