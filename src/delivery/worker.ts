// The delivery worker: claims due deliveries in batches, sends them with a per-endpoint
// cap on requests in flight, and records results in batches.
//
// Isolation: an endpoint at its cap is excluded from claims, so a hanging endpoint holds at
// most `endpointConcurrency` of the `concurrency` slots and other endpoints keep flowing.
// Crash safety: claims are leases; what a dead process held falls due again at lease expiry.
import { randomUUID } from "node:crypto";
import { MessageStatus, type Attempt } from "../domain/model.js";
import type { RetryPolicy } from "../domain/schedule.js";
import { sleep, Wakeable } from "../lib/async.js";
import type { Clock } from "../lib/clock.js";
import { SendPacer } from "./sendPacer.js";
import { HooklaneError } from "../lib/errors.js";
import { newId } from "../lib/ids.js";
import type { Logger } from "../lib/logger.js";
import type { ClaimedDelivery, CompletedAttempt, DeliveryCompletion, Storage } from "../storage/contract.js";
import type { RequestSender, SendResult } from "./httpSender.js";
import { decideOutcome } from "./outcome.js";
import { deliveryRequest, type SignatureHeaderStyle } from "./outboundRequest.js";
import type { DirectDispatcher } from "./publish.js";

/** Beyond this many un-claimed hand-offs, fall back to scanning the queue. */
const MAX_HANDOFF = 50000;

/** One stored attempt, with the delivery it belongs to and what happens next. */
export interface AttemptRecorded extends ClaimedDelivery {
  attempt: Attempt;
  /** `succeeded` and `failed` are final; `retry` says when the next attempt is due. */
  completion: DeliveryCompletion;
}

export interface WorkerOptions {
  concurrency: number;
  endpointConcurrency: number;
  claimBatchSize: number;
  pollIntervalMs: number;
  /** How long a claim is ours before others may take it; must outlive a queued send. */
  leaseMs: number;
  shutdownTimeoutMs: number;
  retry: RetryPolicy;
  signatureHeaders: SignatureHeaderStyle;
}

export class DeliveryWorker implements DirectDispatcher {
  private readonly workerId = randomUUID().slice(0, 8);
  private claimSeq = 0;
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly wake = new Wakeable();
  /** Deliveries published in this process, to claim by id. */
  private handoff: string[] = [];
  /** A scan of the queue may find work: at start, after a full batch, after a plain notify. */
  private scanWanted = true;
  /** The last scan filled its batch: older due work is waiting in the database. */
  private backlogged = false;
  /** Handed-off deliveries were left for a scan since the last one. */
  private deferredSinceScan = false;
  private lastScanAt = 0;
  private inFlight = 0;
  private readonly inFlightByEndpoint = new Map<string, number>();
  /** Claimed deliveries waiting for a slot of their endpoint. */
  private readonly waiting = new Map<string, ClaimedDelivery[]>();
  /** Deliveries in all `waiting` queues (counted, not summed, on the claim path). */
  private waitingTotal = 0;
  private readonly held = new Map<string, ClaimedDelivery>();
  /** Slots promised to publishes in this process whose store has not committed yet. */
  private reserved = 0;
  private readonly reservedByEndpoint = new Map<string, number>();
  private pendingCompletions: CompletedAttempt[] = [];
  private flushing: Promise<void> | undefined;
  /** Claims failed in a row; an outage is logged once at its start and once at its end. */
  private failedClaims = 0;
  private idle: (() => void) | undefined;
  private readonly listeners: ((event: AttemptRecorded) => void)[] = [];
  private readonly pacer: SendPacer;

  constructor(
    private readonly storage: Storage,
    private readonly sender: RequestSender,
    private readonly options: WorkerOptions,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {
    this.pacer = new SendPacer(clock);
  }

  /** Requests in flight now (for the in-flight gauge). */
  get inFlightCount(): number {
    return this.inFlight;
  }

  /**
   * Called after each attempt's result is stored (metrics, status streams, live tails).
   * Returns a function that removes the listener (a live tail ends when its page closes).
   */
  onAttempt(listener: (event: AttemptRecorded) => void): () => void {
    this.listeners.push(listener);
    return () => {
      const index = this.listeners.indexOf(listener);
      if (index >= 0) this.listeners.splice(index, 1);
    };
  }

  private emit(event: AttemptRecorded): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.log.error({ err: error }, "attempt listener failed");
      }
    }
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /**
   * New work was stored. With ids (published in this process) the worker claims exactly those,
   * cheaply; without, it scans the queue at once instead of at the next poll.
   */
  notify(deliveryIds: string[] = []): void {
    if (deliveryIds.length > 0 && this.handoff.length < MAX_HANDOFF) this.handoff.push(...deliveryIds);
    else this.scanWanted = true;
    this.wake.notify();
  }

  /**
   * A lease for a fresh delivery, if it can be sent at once (DirectDispatcher). Only while the
   * worker is caught up (nothing handed off or found by a scan is waiting to be claimed, and
   * at most half the slots are taken), so fresh messages never overtake older due work:
   * under a backlog every delivery goes through the queue in order again.
   */
  reserve(endpointId: string, nowMs: number): { owner: string; until: number } | null {
    if (!this.running || this.handoff.length > 0 || this.backlogged) return null;
    if ((this.inFlight + this.waitingTotal + this.reserved) * 2 >= this.options.concurrency) return null;
    const forEndpoint =
      (this.inFlightByEndpoint.get(endpointId) ?? 0) +
      (this.waiting.get(endpointId)?.length ?? 0) +
      (this.reservedByEndpoint.get(endpointId) ?? 0);
    // Like a claim, it may queue locally behind a full share of its endpoint's requests (the
    // lease covers waiting for one of them and then its own), but no further.
    if (forEndpoint >= 2 * this.options.endpointConcurrency) return null;
    this.reserved++;
    this.reservedByEndpoint.set(endpointId, (this.reservedByEndpoint.get(endpointId) ?? 0) + 1);
    return { owner: `${this.workerId}:${++this.claimSeq}`, until: nowMs + this.options.leaseMs };
  }

  cancel(endpointId: string): void {
    this.reserved--;
    const left = (this.reservedByEndpoint.get(endpointId) ?? 1) - 1;
    if (left === 0) this.reservedByEndpoint.delete(endpointId);
    else this.reservedByEndpoint.set(endpointId, left);
  }

  dispatch(items: ClaimedDelivery[]): void {
    for (const item of items) {
      this.cancel(item.delivery.endpointId);
      // Stopping: stop() may have given back leases already; this one expires and is claimed
      // again then (as after a crash), so nothing is lost.
      if (this.running) this.enqueue(item);
    }
  }

  private async run(): Promise<void> {
    while (this.running) {
      const free = this.options.concurrency - this.inFlight - this.waitingTotal - this.reserved;
      // Claim only when a worthwhile batch fits, so each completion does not cost a claim.
      const worthwhile = Math.min(this.options.claimBatchSize, Math.max(1, this.options.concurrency / 8));
      const canClaim = free > 0 && (free >= worthwhile || this.inFlight === 0);
      const pollDue = this.clock.nowMs() - this.lastScanAt >= this.options.pollIntervalMs;
      let claimed = 0;
      if (canClaim && this.handoff.length > 0) {
        const ids = this.handoff.splice(0, Math.min(free, this.options.claimBatchSize));
        ({ claimed } = await this.claim(ids.length, ids));
        // The rest belong to endpoints at their cap (or were taken by another worker): a scan
        // finds them once those endpoints have room.
        if (claimed < ids.length) this.deferredSinceScan = true;
      } else if (canClaim && (this.scanWanted || pollDue)) {
        this.scanWanted = false;
        this.lastScanAt = this.clock.nowMs();
        const limit = Math.min(free, this.options.claimBatchSize);
        const result = await this.claim(limit);
        claimed = result.claimed;
        this.backlogged = claimed === limit;
        if (this.backlogged) this.scanWanted = true; // a full batch: probably more waiting
        // Work may be left behind endpoint caps (rows of excluded endpoints, or more than a
        // batch's share): look again when an endpoint drains.
        this.deferredSinceScan = claimed > 0 || result.excluded > 0;
      }
      if (claimed > 0) continue;
      const untilPoll = this.options.pollIntervalMs - (this.clock.nowMs() - this.lastScanAt);
      await this.wake.sleep(Math.max(10, untilPoll));
    }
  }

  /** Claims and starts up to `limit` deliveries; says how many, and how many endpoints were left out. */
  private async claim(limit: number, deliveryIds?: string[]): Promise<{ claimed: number; excluded: number }> {
    const excludeEndpointIds = this.saturatedEndpoints();
    try {
      const claimed = await this.storage.deliveries.claimDue({
        leaseOwner: `${this.workerId}:${++this.claimSeq}`,
        nowMs: this.clock.nowMs(),
        leaseMs: this.options.leaseMs,
        limit,
        perEndpointLimit: this.options.endpointConcurrency,
        excludeEndpointIds,
        deliveryIds,
      });
      if (this.failedClaims > 0) {
        this.log.info({ failedClaims: this.failedClaims }, "claiming deliveries works again");
        this.failedClaims = 0;
      }
      for (const item of claimed) this.enqueue(item);
      this.log.debug({ claimed: claimed.length, limit, byId: deliveryIds !== undefined }, "claimed deliveries");
      return { claimed: claimed.length, excluded: excludeEndpointIds.length };
    } catch (error) {
      if (++this.failedClaims === 1) {
        this.log.error({ err: error }, "claiming deliveries failed; retrying every poll interval until it works");
      } else {
        this.log.debug({ err: error, failedClaims: this.failedClaims }, "claiming deliveries failed again");
      }
      // Hand-offs may be lost with the failed claim; the next scan finds them.
      this.scanWanted = true;
      return { claimed: 0, excluded: excludeEndpointIds.length };
    }
  }

  /** Endpoints with a full share of requests in flight or waiting locally. */
  private saturatedEndpoints(): string[] {
    const ids: string[] = [];
    for (const [endpointId, count] of this.inFlightByEndpoint) {
      const local =
        count + (this.waiting.get(endpointId)?.length ?? 0) + (this.reservedByEndpoint.get(endpointId) ?? 0);
      if (local >= this.options.endpointConcurrency) ids.push(endpointId);
    }
    return ids;
  }

  private enqueue(item: ClaimedDelivery): void {
    this.held.set(item.delivery.id, item);
    const endpointId = item.delivery.endpointId;
    if ((this.inFlightByEndpoint.get(endpointId) ?? 0) < this.options.endpointConcurrency) {
      void this.process(item);
      return;
    }
    const queue = this.waiting.get(endpointId) ?? [];
    queue.push(item);
    this.waiting.set(endpointId, queue);
    this.waitingTotal++;
  }

  private async process(item: ClaimedDelivery): Promise<void> {
    const endpointId = item.delivery.endpointId;
    this.inFlight++;
    this.inFlightByEndpoint.set(endpointId, (this.inFlightByEndpoint.get(endpointId) ?? 0) + 1);
    try {
      const completed = await this.attempt(item);
      this.pendingCompletions.push(completed);
      this.scheduleFlush();
    } catch (error) {
      // Unexpected (a bug, not a receiver failure): leave the lease to expire so it is retried.
      this.log.error(
        { err: error, deliveryId: item.delivery.id, msgId: item.message.id, endpointId: item.delivery.endpointId },
        "delivery processing failed",
      );
    } finally {
      this.inFlight--;
      const left = (this.inFlightByEndpoint.get(endpointId) ?? 1) - 1;
      if (left === 0) {
        this.inFlightByEndpoint.delete(endpointId);
        this.pacer.forget(endpointId);
      } else this.inFlightByEndpoint.set(endpointId, left);
      this.startNextWaiting(endpointId);
      // When this endpoint has nothing local left, work deferred to the database can flow.
      if (this.deferredSinceScan && !this.waiting.has(endpointId)) this.scanWanted = true;
      if (this.handoff.length > 0 || this.scanWanted) this.wake.notify();
      if (this.inFlight === 0) this.idle?.();
    }
  }

  private startNextWaiting(endpointId: string): void {
    // Stopping: leave it queued; stop() gives its lease back.
    if (!this.running) return;
    const queue = this.waiting.get(endpointId);
    const next = queue?.shift();
    if (!next) return;
    this.waitingTotal--;
    if (queue!.length === 0) this.waiting.delete(endpointId);
    void this.process(next);
  }

  private async attempt(item: ClaimedDelivery): Promise<CompletedAttempt> {
    const { delivery, message, endpoint } = item;
    // A rate-limited endpoint's delivery is claimed shortly before its slot; keep to the slot,
    // and to the spacing of the slots when timers fire late.
    if (item.sendAt > this.clock.nowMs()) {
      await this.pacer.waitFor(delivery.endpointId, item.sendAt);
      this.pacer.sent(delivery.endpointId, item.sendAt);
    }
    const startedAt = this.clock.nowMs();
    let result: SendResult;
    if (!endpoint || endpoint.disabled) {
      result = { kind: "error", reason: "endpoint is disabled; not sent", durationMs: 0 };
    } else if (message.payload === null) {
      result = { kind: "error", reason: "message payload was expunged; not sent", durationMs: 0 };
    } else {
      const request = deliveryRequest(endpoint, message, message.payload, this.options.signatureHeaders, startedAt);
      result = await this.sender.deliver(request);
    }
    const attemptsMade = delivery.attemptCount + 1;
    const finalByPolicy = !endpoint || endpoint.disabled || message.payload === null;
    const outcome = decideOutcome(result, attemptsMade, this.options.retry, this.clock.nowMs());
    const completion = finalByPolicy ? { kind: "failed" as const } : outcome.completion;
    const attempt: Attempt = {
      id: newId("attempt"),
      messageId: message.id,
      endpointId: delivery.endpointId,
      appId: delivery.appId,
      url: endpoint?.url ?? "",
      status: outcome.attemptStatus,
      responseStatusCode: result.kind === "response" ? result.statusCode : 0,
      response: result.kind === "response" ? result.body : result.reason,
      responseDurationMs: result.durationMs,
      trigger: delivery.trigger,
      createdAt: startedAt,
    };
    if (outcome.attemptStatus !== MessageStatus.success) {
      this.log.info(
        {
          msgId: message.id,
          endpointId: delivery.endpointId,
          attempt: attemptsMade,
          statusCode: attempt.responseStatusCode,
          reason: result.kind === "error" ? result.reason : undefined,
          next: "nextAttemptAt" in completion ? new Date(completion.nextAttemptAt).toISOString() : completion.kind,
        },
        "delivery attempt failed",
      );
    } else if (this.log.isLevelEnabled("debug")) {
      // Debug only: at webhook volumes a line per success would dominate the log.
      this.log.debug(
        {
          msgId: message.id,
          endpointId: delivery.endpointId,
          attempt: attemptsMade,
          statusCode: attempt.responseStatusCode,
          durationMs: result.durationMs,
        },
        "delivery attempt succeeded",
      );
    }
    return { deliveryId: delivery.id, leaseOwner: item.leaseOwner, attempt, completion };
  }

  private scheduleFlush(): void {
    if (this.flushing) return;
    this.flushing = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.flush());
  }

  /** Writes buffered results in one transaction; more arriving meanwhile go in the next. */
  private async flush(): Promise<void> {
    let retries = 0;
    try {
      while (this.pendingCompletions.length > 0) {
        const batch = this.pendingCompletions;
        this.pendingCompletions = [];
        let recorded = false;
        try {
          await this.storage.deliveries.complete(batch, this.clock.nowMs());
          recorded = true;
        } catch (error) {
          if (this.running && error instanceof HooklaneError && error.kind === "unavailable") {
            // The database is away (restart, failover): keep the results and write them when
            // it is back, so these deliveries are not sent again. A result whose lease another
            // worker took meanwhile is dropped by the owner check, so holding on is safe.
            this.pendingCompletions = batch.concat(this.pendingCompletions);
            const level = retries++ === 0 ? "warn" : "debug";
            this.log[level]({ count: batch.length }, "cannot record delivery results yet; retrying");
            await sleep(this.options.pollIntervalMs);
            continue;
          }
          // The leases will expire and the deliveries be attempted again: at-least-once.
          this.log.error({ err: error, count: batch.length }, "recording delivery results failed");
        }
        for (const done of batch) {
          const item = this.held.get(done.deliveryId);
          this.held.delete(done.deliveryId);
          if (recorded && item) this.emit({ ...item, attempt: done.attempt, completion: done.completion });
        }
      }
    } finally {
      this.flushing = undefined;
    }
  }

  /**
   * Stops claiming, lets in-flight requests finish (up to shutdownTimeoutMs), records their
   * results, and gives back leases on everything not started so other workers take it at once.
   */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wake.notify();
    await this.loop;
    if (this.inFlight > 0) {
      await Promise.race([
        new Promise<void>((resolve) => (this.idle = resolve)),
        new Promise<void>((resolve) => setTimeout(resolve, this.options.shutdownTimeoutMs).unref()),
      ]);
    }
    while (this.flushing) await this.flushing;
    await this.flush();
    const byOwner = new Map<string, string[]>();
    for (const item of this.held.values()) {
      const ids = byOwner.get(item.leaseOwner) ?? [];
      ids.push(item.delivery.id);
      byOwner.set(item.leaseOwner, ids);
    }
    for (const [owner, ids] of byOwner) {
      try {
        await this.storage.deliveries.release(ids, owner, this.clock.nowMs());
      } catch (error) {
        // Not fatal: unreleased leases expire and other workers take the rows then.
        this.log.warn({ err: error, count: ids.length }, "could not give leases back; they will expire instead");
      }
    }
    this.waiting.clear();
    this.waitingTotal = 0;
    this.held.clear();
  }
}
