// Builders for storage records with sensible defaults, so each case states only what it tests.
import { createEndpointRecord } from "../../src/domain/endpoint.js";
import {
  MessageStatus,
  TriggerType,
  type Application,
  type Attempt,
  type Endpoint,
  type EventType,
  type Message,
} from "../../src/domain/model.js";
import { newId, newIdAt } from "../../src/lib/ids.js";
import type { Storage } from "../../src/storage/contract.js";

export const T0 = 1_700_000_000_000;

export function makeApp(overrides: Partial<Application> = {}): Application {
  return {
    id: newId("application"),
    uid: null,
    name: "Acme",
    rateLimit: null,
    metadata: {},
    endpointVerification: false,
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  };
}

export function makeEventType(overrides: Partial<EventType> = {}): EventType {
  return {
    name: "invoice.paid",
    description: "An invoice was paid",
    schemas: null,
    archived: false,
    deprecated: false,
    featureFlag: null,
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  };
}

export function makeEndpoint(appId: string, overrides: Partial<Endpoint> = {}): Endpoint {
  return {
    ...createEndpointRecord({
      appId,
      url: "https://example.com/hook",
      secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
      now: T0,
    }),
    ...overrides,
  };
}

export function makeMessage(appId: string, overrides: Partial<Message> = {}): Message {
  return {
    // As the publisher mints them: at createdAt, which the lists' time filters rely on.
    id: newIdAt("message", overrides.createdAt ?? T0),
    appId,
    eventType: "invoice.paid",
    eventId: null,
    channels: null,
    tags: null,
    payload: '{"n":1}',
    contentType: null,
    payloadExpiresAt: T0 + 86400_000,
    createdAt: T0,
    headers: null,
    origin: null,
    orderingKey: null,
    ...overrides,
  };
}

export function makeAttempt(m: Message, endpointId: string, overrides: Partial<Attempt> = {}): Attempt {
  return {
    id: newId("attempt"),
    messageId: m.id,
    endpointId,
    appId: m.appId,
    url: "https://example.com/hook",
    status: MessageStatus.success,
    responseStatusCode: 200,
    response: "ok",
    responseDurationMs: 12,
    trigger: TriggerType.scheduled,
    createdAt: m.createdAt,
    ...overrides,
  };
}

/** An application with one endpoint. */
export async function appWithEndpoint(storage: Storage, endpoint: Partial<Endpoint> = {}) {
  const app = makeApp();
  await storage.applications.create(app);
  const ep = makeEndpoint(app.id, endpoint);
  await storage.endpoints.create(ep);
  return { app, endpoint: ep };
}

/** Publishes a message to the given endpoints, due at `dueAt`; returns the message and delivery ids. */
export async function publish(
  storage: Storage,
  appId: string,
  endpointIds: string[],
  dueAt = T0,
  overrides: Partial<Message> = {},
) {
  const message = makeMessage(appId, overrides);
  const deliveries = endpointIds.map((endpointId) => ({ id: newId("delivery"), endpointId }));
  await storage.messages.create(message, deliveries, dueAt);
  return { message, deliveryIds: deliveries.map((d) => d.id) };
}
