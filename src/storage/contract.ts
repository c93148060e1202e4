// The storage contract: everything the API and the delivery engine may ask of a database.
// One implementation over SQL serves SQLite and PostgreSQL (storage/sql/*); the dialects
// differ only in their SqlClient, migrations and the claim query.
import type {
  Application,
  Attempt,
  BackgroundTask,
  ReplaySelection,
  TaskStatus,
  Delivery,
  Endpoint,
  EventType,
  Message,
  MessageStatus,
  TriggerType,
} from "../domain/model.js";
import type { InboundRequest, Source } from "../domain/source.js";

/** One group commit: how many transactions it carried and how long their callers waited. */
export interface CommitTiming {
  transactions: number;
  /** From BEGIN to the WAL being on disk. */
  durationMs: number;
  /** Of which the WAL sync (fdatasync): the disk's share. */
  syncMs: number;
}

export interface PageQuery {
  limit: number;
  /** Opaque cursor from a previous page: `iterator` for the next page, `prevIterator` for the one before. */
  iterator?: string | null | undefined;
  order?: "ascending" | "descending" | undefined;
}

export interface Page<T> {
  items: T[];
  iterator: string | null;
  prevIterator: string | null;
  done: boolean;
}

export interface TimeRange {
  before?: number | undefined;
  after?: number | undefined;
}

export interface MessageFilter extends PageQuery, TimeRange {
  eventTypes?: string[] | undefined;
  channel?: string | undefined;
}

export interface AttemptFilter extends PageQuery, TimeRange {
  status?: MessageStatus | undefined;
  /** 0 (no response), 100, 200, 300, 400 or 500. */
  statusCodeClass?: number | undefined;
  eventTypes?: string[] | undefined;
  channel?: string | undefined;
  endpointId?: string | undefined;
}

export interface DeliveryFilter extends PageQuery, TimeRange {
  status?: MessageStatus | undefined;
  eventTypes?: string[] | undefined;
  channel?: string | undefined;
}

export interface ApplicationStore {
  /** Throws conflict when the uid is taken. */
  create(app: Application): Promise<void>;
  /** By id or uid. */
  get(idOrUid: string): Promise<Application | null>;
  list(query: PageQuery): Promise<Page<Application>>;
  update(app: Application): Promise<void>;
  delete(id: string): Promise<void>;
}

/** What a publish reads before it stores: the application it names and that app's endpoints. */
export interface Routing {
  app: Application;
  endpoints: Endpoint[];
  /**
   * Set when this may be a copy kept from an earlier read that another instance's writes can
   * have outdated (PostgreSQL). Handed to `messages.create`, which then stores nothing and throws
   * StaleRoutingError if the app or its endpoints are no longer what this copy says.
   */
  guard?: string;
}

export interface RoutingStore {
  /**
   * By application id or uid; null when there is no such application. May answer from memory
   * (see Routing.guard); `fresh` reads the database.
   */
  load(appIdOrUid: string, options?: { fresh?: boolean }): Promise<Routing | null>;
}

/** A publish planned with routing that has changed since it was read (Routing.guard); retry with a fresh read. */
export class StaleRoutingError extends Error {
  constructor() {
    super("the application or its endpoints changed since they were read");
    this.name = "StaleRoutingError";
  }
}

export interface EventTypeStore {
  create(eventType: EventType): Promise<void>;
  get(name: string): Promise<EventType | null>;
  list(query: PageQuery & { includeArchived: boolean }): Promise<Page<EventType>>;
  update(eventType: EventType): Promise<void>;
  delete(name: string): Promise<void>;
}

export interface EndpointStore {
  create(endpoint: Endpoint): Promise<void>;
  get(appId: string, idOrUid: string): Promise<Endpoint | null>;
  list(appId: string, query: PageQuery): Promise<Page<Endpoint>>;
  /** Every endpoint of the application, for fan-out. */
  listForRouting(appId: string): Promise<Endpoint[]>;
  /**
   * Writes every field. An endpoint written with a pending verification also has its waiting
   * deliveries held (not due) until `recordVerification` releases them.
   */
  update(endpoint: Endpoint): Promise<void>;
  /**
   * The outcome of a verification check of `challenge`: with no error the endpoint is verified
   * and its held deliveries fall due now; with one, it stays unverified and the error is kept.
   * Applies only while `challenge` is still the endpoint's (a URL change since makes a new
   * one); returns whether it applied.
   */
  recordVerification(
    appId: string,
    id: string,
    challenge: string,
    error: string | null,
    nowMs: number,
  ): Promise<boolean>;
  /** Deletes the endpoint and its pending deliveries; attempts stay as history. */
  delete(appId: string, id: string): Promise<void>;
  /**
   * Applies each endpoint's latest outcome (a success ends a failing run, a failure starts one)
   * and disables endpoints that answered 410 or have been failing since before
   * `disableFailingSince`. Returns the endpoints this call disabled.
   */
  recordHealth(outcomes: EndpointOutcomes, nowMs: number, disableFailingSince: number): Promise<DisabledEndpoint[]>;
  /** Opens (or re-opens) the circuit: nothing is claimed for `cooldownMs`, then one probe. */
  openCircuit(endpointId: string, nowMs: number, cooldownMs: number, reason: string): Promise<void>;
  /** Closes these endpoints' circuits (their probe succeeded). */
  closeCircuits(endpointIds: string[]): Promise<void>;
  /**
   * The endpoint asked us to slow down: holds it until `holdUntil` and lowers its adaptive
   * rate (domain/throttle.ts), at most one step a second. Returns the new rate when this call
   * lowered it (null within the second, or at the floor already).
   */
  throttle(endpointId: string, nowMs: number, holdUntil: number, observedRate: number): Promise<number | null>;
  /** These throttled endpoints answered: raises their rates a step (at most one a second). */
  relaxThrottles(endpointIds: string[], nowMs: number): Promise<void>;
}

/** Endpoint ids by the outcome of their latest attempt. */
export interface EndpointOutcomes {
  succeeded: string[];
  failed: string[];
  /** Answered 410 Gone: the receiver asks us to stop (Standard Webhooks). */
  gone: string[];
}

export interface DisabledEndpoint {
  id: string;
  appId: string;
  uid: string | null;
  failingSince: number | null;
  reason: string;
  /** In the dashboard's list: disabled, or paused by an open circuit. */
  state?: "disabled" | "circuit_open";
}

export interface NewDelivery {
  id: string;
  endpointId: string;
  /** Set for ordered endpoints: deliveries sharing a key are claimed one at a time, oldest first. */
  orderKey?: string | null | undefined;
  /** The endpoint is not verified yet: stored held (not due) until it is. */
  held?: boolean | undefined;
  /**
   * Stored already leased to a worker of this process, which sends it as soon as the store
   * commits (no claim needed); if the process dies first, the lease expires and any worker
   * claims it then, as after a crash mid-send.
   */
  lease?: { owner: string; until: number } | undefined;
}

export interface MessageStore {
  /**
   * Stores the message and its deliveries in one transaction: when this resolves the message
   * is durable. Throws conflict when the application already has a message with its eventId,
   * and StaleRoutingError when `routingGuard` (Routing.guard) no longer matches what is stored.
   */
  create(message: Message, deliveries: NewDelivery[], firstAttemptAt: number, routingGuard?: string): Promise<void>;
  /** By id or eventId. */
  get(appId: string, idOrEventId: string): Promise<Message | null>;
  list(appId: string, filter: MessageFilter): Promise<Page<Message>>;
  expungePayload(appId: string, id: string): Promise<void>;
}

/** A claimed delivery with everything needed to send it, read in the claim's round trip. */
export interface ClaimedDelivery {
  delivery: Delivery;
  message: Message;
  endpoint: Endpoint | null;
  leaseOwner: string;
  /** Not before this time (unix ms): a rate-limited endpoint's slot; the claim time otherwise. */
  sendAt: number;
}

export interface ClaimRequest {
  /** Unique per claim batch; completions must present it. */
  leaseOwner: string;
  nowMs: number;
  leaseMs: number;
  limit: number;
  /** Most rows claimed for one endpoint in this batch. */
  perEndpointLimit: number;
  /** Endpoints this worker already has at capacity. */
  excludeEndpointIds: string[];
  /**
   * Only consider these deliveries (just published in this process). Claiming by id costs a
   * few index probes, where a scan must step over the backlog of excluded endpoints.
   */
  deliveryIds?: string[] | undefined;
}

export type DeliveryCompletion =
  | { kind: "succeeded" }
  | { kind: "retry"; nextAttemptAt: number }
  /** The endpoint asked us to slow down (429/503): try again later without spending an attempt. */
  | { kind: "deferred"; nextAttemptAt: number }
  | { kind: "failed" };

export interface CompletedAttempt {
  deliveryId: string;
  leaseOwner: string;
  attempt: Attempt;
  completion: DeliveryCompletion;
}

export interface DestinationRow {
  endpoint: Endpoint;
  delivery: Delivery;
}

export interface EndpointMessageRow {
  message: Message;
  delivery: Delivery;
}

export interface DeliveryStats {
  success: number;
  pending: number;
  sending: number;
  fail: number;
  canceled: number;
}

/**
 * The backlog figure counts due rows up to this many by default: each costs a step through an
 * index, and the figure is read by every metrics scrape and dashboard refresh, during an outage
 * too (at 1,000,000 due rows an uncapped count took 94 ms, 200 ms for one application).
 */
export const BACKLOG_COUNT_LIMIT = 100_000;

/** Due work nobody holds: what the workers are behind by. */
export interface Backlog {
  /**
   * Pending deliveries whose next attempt time has come and that no live lease holds, counted
   * up to the count limit.
   */
  due: number;
  /** True when more than `due` (the count limit) are due. */
  dueCapped: boolean;
  /** next_attempt_at of the oldest of them (unix ms), null when none. */
  oldestDueAt: number | null;
}

export interface DeliveryStore {
  /** Leases up to `limit` due deliveries. Rows whose lease expired are due again. */
  claimDue(request: ClaimRequest): Promise<ClaimedDelivery[]>;
  /**
   * Records attempts and moves their deliveries on, in one transaction. A completion whose
   * lease was taken over by another worker is dropped (returns how many were applied), so a
   * stale worker never overwrites newer work.
   */
  complete(results: CompletedAttempt[], nowMs: number): Promise<number>;
  /** Gives leases back (shutdown) so other workers need not wait for them to expire. */
  release(deliveryIds: string[], leaseOwner: string, nowMs: number): Promise<void>;
  /** Starts a new manual round of attempts for one message and endpoint. */
  resend(appId: string, messageId: string, endpointId: string, nowMs: number): Promise<void>;
  /** Queues failed deliveries of the endpoint created in the range again; returns how many. */
  recover(endpointId: string, since: number, until: number, nowMs: number): Promise<number>;
  listForMessage(appId: string, messageId: string, query: PageQuery): Promise<Page<DestinationRow>>;
  listForEndpoint(appId: string, endpointId: string, filter: DeliveryFilter): Promise<Page<EndpointMessageRow>>;
  stats(endpointId: string, range: TimeRange, nowMs: number): Promise<DeliveryStats>;
  /**
   * For metrics scrapes and the dashboard: due rows of all applications or of one (leased rows
   * are not due), counted up to `countLimit`, at a cost bounded by it and by the application's
   * endpoints, not by the backlog's size.
   */
  backlog(nowMs: number, appId?: string, countLimit?: number): Promise<Backlog>;
}

export interface AttemptStore {
  get(appId: string, messageId: string, attemptId: string): Promise<Attempt | null>;
  listForMessage(appId: string, messageId: string, filter: AttemptFilter): Promise<Page<Attempt>>;
  listForEndpoint(appId: string, endpointId: string, filter: AttemptFilter): Promise<Page<Attempt>>;
  expungeResponse(appId: string, messageId: string, attemptId: string): Promise<void>;
}

export interface StoredToken {
  id: string;
  hash: string;
  /** null: admin. */
  appId: string | null;
  expiresAt: number | null;
  createdAt: number;
}

export interface TokenStore {
  save(token: StoredToken): Promise<void>;
  findByHash(hash: string): Promise<StoredToken | null>;
  delete(id: string): Promise<void>;
  hasAdmin(): Promise<boolean>;
}

export interface IdempotentResponse {
  key: string;
  statusCode: number;
  body: string;
  createdAt: number;
}

export interface IdempotencyStore {
  get(key: string, notBefore: number): Promise<IdempotentResponse | null>;
  /** Keeps the first response stored for a key. */
  put(response: IdempotentResponse): Promise<void>;
  prune(before: number): Promise<number>;
}

/** Bounded storage: each call does one small batch, so it never holds locks for long. */
export interface RetentionStore {
  /** Drops payloads whose expiry has passed; returns how many. */
  expirePayloads(nowMs: number, limit: number): Promise<number>;
  /** Deletes attempts made before `beforeMs`. */
  pruneAttempts(beforeMs: number, limit: number): Promise<number>;
  /** Deletes the dashboard's attempt counts of minutes before `beforeMs` (a few rows a minute); returns how many. */
  pruneAttemptCounts(beforeMs: number): Promise<number>;
  /** Deletes messages created before `beforeMs` with their deliveries, once none is pending. */
  pruneMessages(beforeMs: number, limit: number): Promise<number>;
  /**
   * Deletes inbound requests received before `beforeMs`, except those still inside their
   * source's dedupe window at `nowMs` (deleting one would let a repeat of it in).
   */
  pruneInboundRequests(beforeMs: number, nowMs: number, limit: number): Promise<number>;
}

export interface ReplayStore {
  /** How many deliveries (and, with includeMissed, missed messages) the selection takes. */
  count(selection: ReplaySelection): Promise<number>;
  /**
   * Queues the next `limit` selected deliveries after `cursor` again (a new manual round;
   * ones being sent right now keep their lease) and creates the missed ones. Returns how many
   * it took and the cursor to continue from, null when the selection is exhausted.
   */
  redrive(
    selection: ReplaySelection,
    cursor: string | null,
    limit: number,
    nowMs: number,
  ): Promise<{ taken: number; cursor: string | null }>;
}

export interface TaskStore {
  create(task: BackgroundTask): Promise<void>;
  get(id: string): Promise<BackgroundTask | null>;
  /** Newest first; one application's, or all when appId is null. */
  list(appId: string | null, query: PageQuery): Promise<Page<BackgroundTask>>;
  /** Takes a running task nobody holds (or whose holder died) for `leaseMs`. */
  claim(owner: string, nowMs: number, leaseMs: number): Promise<BackgroundTask | null>;
  /** Records progress and extends the lease; false when the lease was lost. */
  progress(task: BackgroundTask, owner: string, nowMs: number, leaseMs: number): Promise<boolean>;
  /** Ends the task with its final progress. */
  finish(task: BackgroundTask, owner: string, status: TaskStatus, error: string | null, nowMs: number): Promise<void>;
}

export interface DeliveryRateQuery {
  /** Unix ms, inclusive. */
  since: number;
  /** Unix ms, exclusive. */
  until: number;
  bucketMs: number;
  /** Only this application's attempts; all when absent. */
  appId?: string | undefined;
}

/** Attempts made in one time bucket, by what followed them. */
export interface DeliveryRateBucket {
  start: number;
  succeeded: number;
  /** Failed attempts after which a retry was scheduled. */
  retrying: number;
  /** Failed attempts after which the delivery gave up. */
  failed: number;
}

/** Aggregates for the dashboard's overview. */
export interface DashboardStore {
  /**
   * One bucket per `bucketMs` from `since` to `until`, empty buckets included. Attempts are
   * counted by the minute they started in, so bounds and buckets should be whole minutes; the
   * counts are kept for the last two days (RetentionStore.pruneAttemptCounts).
   */
  deliveryRate(query: DeliveryRateQuery): Promise<DeliveryRateBucket[]>;
  /** How many endpoints are disabled, paused by an open (or half-open) circuit, or throttled. */
  endpointStates(): Promise<{ disabled: number; circuitOpen: number; throttled: number }>;
  /** Disabled endpoints and endpoints with an open circuit, most recently changed first. */
  disabledEndpoints(appId: string | undefined, limit: number): Promise<DisabledEndpoint[]>;
}

export interface SettingStore {
  /**
   * The stored value of `key`, storing `initial` first if there is none. Atomic across
   * processes sharing the database: every caller gets the value that won.
   */
  getOrInit(key: string, initial: string, nowMs: number): Promise<string>;
}

/** The outbound message an inbound request is forwarded as, stored with it. */
export interface ForwardedMessage {
  message: Message;
  deliveries: NewDelivery[];
  firstAttemptAt: number;
}

export type ReceiveOutcome = { kind: "stored" } | { kind: "duplicate"; of: InboundRequest };

export type RateDecision = { allowed: true } | { allowed: false; retryAfterMs: number };

export interface SourceStore {
  /** Throws conflict when the uid is taken. */
  create(source: Source): Promise<void>;
  /** By id or uid. */
  get(idOrUid: string): Promise<Source | null>;
  list(query: PageQuery): Promise<Page<Source>>;
  update(source: Source): Promise<void>;
  /** Deletes the source and the requests it received (their forwarded messages stay). */
  delete(id: string): Promise<void>;
  /**
   * Takes one token from the source's bucket (GCRA: `ratePerSecond`, up to `burst` at once).
   * One atomic UPDATE on the source row, so every instance sharing the database draws from
   * the same bucket.
   */
  takeToken(sourceId: string, ratePerSecond: number, burst: number, nowMs: number): Promise<RateDecision>;
  /**
   * Stores the request and the message it is forwarded as (with its deliveries) in one
   * transaction: when this resolves both are durable. When the request has a delivery id that
   * the source received at or after `dedupeSince`, stores nothing and names the earlier request.
   */
  receive(request: InboundRequest, forward: ForwardedMessage, dedupeSince: number): Promise<ReceiveOutcome>;
  getRequest(sourceId: string, id: string): Promise<InboundRequest | null>;
  listRequests(sourceId: string, query: PageQuery): Promise<Page<InboundRequest>>;
}

export interface Storage {
  readonly dialect: "sqlite" | "postgres";
  readonly applications: ApplicationStore;
  readonly routing: RoutingStore;
  readonly eventTypes: EventTypeStore;
  readonly endpoints: EndpointStore;
  readonly messages: MessageStore;
  readonly deliveries: DeliveryStore;
  readonly attempts: AttemptStore;
  readonly tokens: TokenStore;
  readonly idempotency: IdempotencyStore;
  readonly retention: RetentionStore;
  readonly settings: SettingStore;
  readonly replay: ReplayStore;
  readonly tasks: TaskStore;
  readonly dashboard: DashboardStore;
  readonly sources: SourceStore;
  /** Resolves when the database answers; rejects otherwise. */
  ping(): Promise<void>;
  /**
   * Calls `listener` when any process sharing the database made deliveries due (new message,
   * resend, recover), so idle workers claim at once. Returns an unsubscribe function. Absent
   * where one process owns the database (SQLite): there the Publisher wakes the worker.
   */
  onDeliveriesDue?(listener: () => void): () => void;
  /** SQLite: called after each group commit is durable (metrics). */
  onCommit?(listener: (commit: CommitTiming) => void): void;
  close(): Promise<void>;
}

export type { TriggerType };
