// The domain records as the rest of the code sees them. Times are unix milliseconds; storage
// adapters translate to and from their column types.

export interface Application {
  id: string;
  uid: string | null;
  name: string;
  rateLimit: number | null;
  metadata: Record<string, string>;
  /** New endpoints, and endpoints whose URL changes, must echo a challenge before they get deliveries. */
  endpointVerification: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface EventType {
  name: string;
  description: string;
  schemas: Record<string, unknown> | null;
  archived: boolean;
  deprecated: boolean;
  featureFlag: string | null;
  createdAt: number;
  updatedAt: number;
}

/** A secret an endpoint signed with before a rotation, still valid until `expiresAt`. */
export interface RetiredSecret {
  key: string;
  expiresAt: number;
}

export interface Endpoint {
  id: string;
  appId: string;
  uid: string | null;
  url: string;
  description: string;
  version: number;
  disabled: boolean;
  /** null: every event type. */
  eventTypes: string[] | null;
  /** null: every message, whatever its channels. */
  channels: string[] | null;
  rateLimit: number | null;
  metadata: Record<string, string>;
  headers: Record<string, string>;
  secret: string;
  retiredSecrets: RetiredSecret[];
  /** Start of the current run of failed attempts; null while the last attempt succeeded. */
  failingSince: number | null;
  /** Why Hooklane disabled the endpoint (410, failing too long); null when enabled by hand. */
  disabledReason: string | null;
  /** When it was last disabled (by hand or by Hooklane); replaying what it missed starts here. */
  disabledAt: number | null;
  /** Deliver in order: per message `orderingKey`, one line for messages without a key. */
  ordered: boolean;
  /** Gates the delivery engine keeps on the endpoint; read-only to the API. */
  control: EndpointControl;
  /** Set while the endpoint has not echoed its verification challenge; null once verified or when not required. */
  verification: PendingVerification | null;
  createdAt: number;
  updatedAt: number;
}

export const CircuitState = { closed: 0, open: 1, halfOpen: 2 } as const;
export type CircuitState = (typeof CircuitState)[keyof typeof CircuitState];

/**
 * What the delivery engine decided about an endpoint, shared by every worker through the
 * endpoint row (sql/endpointGates.ts reads it at each claim).
 */
export interface EndpointControl {
  /** No delivery is claimed before this time (open circuit, Retry-After); null: none. */
  holdUntil: number | null;
  holdReason: string | null;
  circuit: CircuitState;
  circuitOpenedAt: number | null;
  /** How long the circuit stays open before the next probe; doubles on each failed probe. */
  circuitCooldownMs: number | null;
  /** Adaptive rate (messages/s) after the endpoint answered 429/503; null: not throttled. */
  throttleRate: number | null;
  /** The rate it was sending at when throttled; the throttle lifts once it is back there. */
  throttleCeiling: number | null;
}

export const OPEN_CONTROL: EndpointControl = {
  holdUntil: null,
  holdReason: null,
  circuit: CircuitState.closed,
  circuitOpenedAt: null,
  circuitCooldownMs: null,
  throttleRate: null,
  throttleCeiling: null,
};

/** An endpoint waiting to prove it controls its URL; its deliveries wait meanwhile. */
export interface PendingVerification {
  /** The random value the endpoint must echo. */
  challenge: string;
  /** Why the last check failed; null before the first answer. */
  lastError: string | null;
}

export interface Message {
  id: string;
  appId: string;
  eventType: string;
  eventId: string | null;
  channels: string[] | null;
  tags: string[] | null;
  /** The body exactly as it is sent (JSON text, or the raw body); null once expunged. */
  payload: string | null;
  /** The content type of a raw (non-JSON) body; null for JSON. */
  contentType: string | null;
  /** When retention expunges the payload (unix ms). */
  payloadExpiresAt: number;
  createdAt: number;
  /** Messages with the same key reach an ordered endpoint in the order they were accepted. */
  orderingKey: string | null;
  /** Headers sent with this message only (direct sends: Sendhooks' X-Secret-Hash), below the signature. */
  headers: Record<string, string> | null;
  /** Where a message from an ingest adapter came from, so its final state can be reported back. */
  origin: MessageOrigin | null;
}

/** The producer's own identifiers for a message that arrived through an ingest adapter. */
export interface MessageOrigin {
  source: "api" | "redis-stream" | "redis-pubsub";
  /** The producer's webhook id (Sendhooks `webhookId`). */
  webhookId?: string | undefined;
  /** Stream and entry id the message was read from. */
  stream?: string | undefined;
  entryId?: string | undefined;
}

/** Svix's MessageStatus numbers, shared by deliveries and attempts. */
export const MessageStatus = { success: 0, pending: 1, fail: 2, sending: 3 } as const;
export type MessageStatus = (typeof MessageStatus)[keyof typeof MessageStatus];
export const STATUS_TEXT = ["success", "pending", "fail", "sending"] as const;

export const TriggerType = { scheduled: 0, manual: 1 } as const;
export type TriggerType = (typeof TriggerType)[keyof typeof TriggerType];

/** The state of one message for one endpoint: the queue row the workers claim. */
export interface Delivery {
  id: string;
  messageId: string;
  endpointId: string;
  appId: string;
  status: MessageStatus;
  /** Attempts made in the current round (a resend starts a new round). */
  attemptCount: number;
  nextAttemptAt: number | null;
  trigger: TriggerType;
  createdAt: number;
  updatedAt: number;
}

export interface Attempt {
  id: string;
  messageId: string;
  endpointId: string;
  appId: string;
  url: string;
  status: MessageStatus;
  responseStatusCode: number;
  /** Response body (capped) or, when no response came, the reason. */
  response: string;
  responseDurationMs: number;
  trigger: TriggerType;
  createdAt: number;
}

export type TaskKind = "application.replay" | "endpoint.replay";
export type TaskStatus = "running" | "finished" | "failed";

/** Which deliveries a replay re-drives. */
export interface ReplaySelection {
  appId: string;
  /** null: every endpoint of the application. */
  endpointId: string | null;
  /** Messages created in [since, until) (unix ms). */
  since: number;
  until: number;
  eventTypes: string[] | null;
  /** Only deliveries in this state; null: any. */
  status: MessageStatus | null;
  /**
   * Endpoint replays: also the range's messages that never had a delivery to the endpoint
   * (published while it was disabled, or before it existed) and that its filters accept.
   */
  includeMissed: boolean;
}

/** A long-running operation (a replay) that any instance can carry on from its cursor. */
export interface BackgroundTask {
  id: string;
  appId: string;
  endpointId: string | null;
  kind: TaskKind;
  status: TaskStatus;
  selection: ReplaySelection;
  /** Deliveries re-driven per second at most, so a replay cannot flood its endpoints. */
  ratePerSecond: number;
  /** Selected when the task started (the dry-run count). */
  total: number;
  done: number;
  cursor: string | null;
  error: string | null;
  createdAt: number;
  updatedAt: number;
}
