// Endpoint health: follows every stored attempt, disables endpoints that answer 410 Gone or
// keep failing past the window (any success resets it), runs the circuit breaker and the
// adaptive throttle, and raises the attempt-level operational events (failing, exhausted,
// recovered).
//
// Circuit breaker: each process measures the error rate of the attempts it made to each
// endpoint over a sliding window; past the threshold (with a minimum volume) it opens the
// circuit on the endpoint row, which every worker's claims obey (sql/endpointGates.ts): the
// endpoint's deliveries wait, spending no attempts, until the cooldown passes and one probe
// goes. The probe's success closes the circuit; its failure re-opens it for twice as long.
import { CircuitState } from "../domain/model.js";
import type { Clock } from "../lib/clock.js";
import { SlidingWindow } from "../lib/slidingWindow.js";
import type { Logger } from "../lib/logger.js";
import type { Storage } from "../storage/contract.js";
import type { OperationalEvents } from "./operationalEvents.js";
import type { AttemptRecorded } from "./worker.js";

export interface HealthOptions {
  /** An endpoint whose attempts all failed for this long is disabled. */
  disableAfterMs: number;
  /** The attempt number at which `message.attempt.failing` is raised. */
  failingThreshold: number;
  /** null: no circuit breaker. */
  circuit: CircuitOptions | null;
}

export interface CircuitOptions {
  windowSeconds: number;
  /** 0..1 */
  errorRate: number;
  minAttempts: number;
  cooldownMs: number;
  maxCooldownMs: number;
}

/** The send rate a throttled endpoint had is measured over at most this many recent seconds. */
const RATE_SAMPLE_SECONDS = 5;
/**
 * Refusals (429, or 503 with Retry-After) slow the whole endpoint only when there are at least
 * two of them in the sample and they are at least this share of its recent answers. A receiver
 * that refuses a request now and then (2 % at random, in the chaos run) kept the endpoint
 * paused and at the throttle's floor: each refusal held it for its Retry-After and halved its
 * rate. Such a refusal now defers just its own delivery; a rate limiter that is being overrun
 * refuses far more than this, and in quick succession, and is throttled as before.
 */
const THROTTLE_REFUSAL_SHARE = 0.05;
/**
 * A single refusal never throttles: at low volume (a fresh endpoint, one just out of a circuit
 * pause or at the throttle's floor) it was always "too few answers to judge a share", so one
 * random 429 sent the endpoint to 1/s, where the next random one found it again.
 */
const THROTTLE_MIN_REFUSALS = 2;
/** Forgetting idle endpoints' windows walks them all; now and then is enough. */
const PRUNE_INTERVAL_MS = 10_000;

type Outcome = "succeeded" | "failed" | "gone";

export class EndpointHealthTracker {
  private latest = new Map<string, Outcome>();
  /** Endpoints whose latest outcome recorded here was a failure. */
  private readonly markedFailing = new Set<string>();
  private flushing: Promise<void> | undefined;
  private readonly window: SlidingWindow;
  /** Refusals (429 or 503 with Retry-After) per endpoint, over the rate sample. */
  private readonly refusals = new SlidingWindow(RATE_SAMPLE_SECONDS);
  /** Endpoint changes decided since the last flush. */
  private opens = new Map<string, { cooldownMs: number; reason: string }>();
  private closes = new Set<string>();
  private throttles = new Map<string, { holdUntil: number; observedRate: number }>();
  private relaxes = new Set<string>();
  private prunedAt = 0;

  constructor(
    private readonly storage: Storage,
    private readonly events: OperationalEvents,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly options: HealthOptions,
  ) {
    this.window = new SlidingWindow(Math.max(options.circuit?.windowSeconds ?? 0, RATE_SAMPLE_SECONDS));
  }

  observe(event: AttemptRecorded): void {
    const { attempt, completion, delivery, message } = event;
    this.control(event);
    const succeeded = completion.kind === "succeeded";
    // A success of an endpoint that was not failing when claimed, and that this process has
    // not marked failing since, changes nothing: no write on the common path. (Rows are read
    // afresh at every claim, so a run another instance started is ended by a later success.)
    const endpointId = delivery.endpointId;
    const alreadyHealthy =
      succeeded &&
      event.endpoint?.failingSince === null &&
      !this.markedFailing.has(endpointId) &&
      !this.latest.has(endpointId);
    if (!alreadyHealthy) {
      if (succeeded) this.markedFailing.delete(endpointId);
      else this.markedFailing.add(endpointId);
      this.latest.set(endpointId, succeeded ? "succeeded" : attempt.responseStatusCode === 410 ? "gone" : "failed");
      this.scheduleFlush();
    }

    const attemptNumber = delivery.attemptCount + 1;
    const type =
      completion.kind === "failed"
        ? "message.attempt.exhausted"
        : completion.kind === "retry" && attemptNumber === this.options.failingThreshold
          ? "message.attempt.failing"
          : succeeded && attemptNumber > this.options.failingThreshold
            ? "message.attempt.recovered"
            : null;
    if (type) {
      void this.events.emit(type, {
        appId: delivery.appId,
        msgId: message.id,
        msgEventId: message.eventId,
        endpointId: delivery.endpointId,
        lastAttempt: {
          id: attempt.id,
          timestamp: new Date(attempt.createdAt).toISOString(),
          responseStatusCode: attempt.responseStatusCode,
          // The receiver's body or the transport error, trimmed: operators need the gist.
          response: attempt.response.slice(0, 1000),
        },
      });
    }
  }

  /**
   * The rate the endpoint was just sent at, refused requests included, if its recent refusals
   * are enough to slow it down (see THROTTLE_REFUSAL_SHARE); otherwise null.
   */
  private refusingOften(endpointId: string, now: number): number | null {
    const answered = this.window.counts(endpointId, now, RATE_SAMPLE_SECONDS);
    const refused = this.refusals.counts(endpointId, now);
    const sample = answered.total + refused.total;
    if (refused.total < THROTTLE_MIN_REFUSALS || refused.total < THROTTLE_REFUSAL_SHARE * sample) return null;
    // Over the seconds the sample covers: an endpoint busy for 1 s sent at 1 s's worth, not a fifth of it.
    return sample / Math.max(1, answered.seconds, refused.seconds);
  }

  /** Circuit breaker and adaptive throttle decisions for this attempt's endpoint. */
  private control(event: AttemptRecorded): void {
    const { completion, delivery, endpoint } = event;
    const endpointId = delivery.endpointId;
    const now = this.clock.nowMs();
    const throttled = completion.kind === "deferred";
    // Throttling is the receiver pacing us, not failing: it does not count towards the circuit.
    if (!throttled) this.window.record(endpointId, now, completion.kind !== "succeeded");
    if (throttled) this.refusals.record(endpointId, now, true);
    const observedRate = throttled ? this.refusingOften(endpointId, now) : null;
    if (throttled && observedRate !== null) {
      this.throttles.set(endpointId, { holdUntil: completion.nextAttemptAt, observedRate });
      this.scheduleFlush();
    } else if (completion.kind === "succeeded" && endpoint?.control.throttleRate != null) {
      this.relaxes.add(endpointId);
      this.scheduleFlush();
    }
    const circuit = this.options.circuit;
    if (!circuit || throttled) return;
    const state = endpoint?.control.circuit ?? CircuitState.closed;
    if (state === CircuitState.halfOpen) {
      // This was the probe (claims let one delivery through a half-open circuit).
      if (completion.kind === "succeeded") {
        this.closes.add(endpointId);
        this.window.forget(endpointId);
        this.log.info({ endpointId }, "circuit closed: the probe succeeded");
      } else {
        const previous = endpoint?.control.circuitCooldownMs ?? circuit.cooldownMs;
        const cooldownMs = Math.min(circuit.maxCooldownMs, previous * 2);
        this.opens.set(endpointId, { cooldownMs, reason: endpoint?.control.holdReason ?? "the probe failed" });
        this.log.warn({ endpointId, cooldownMs }, "circuit re-opened: the probe failed");
      }
      this.scheduleFlush();
      return;
    }
    if (state !== CircuitState.closed || completion.kind === "succeeded") return;
    const { total, errors } = this.window.counts(endpointId, now);
    if (total < circuit.minAttempts || errors / total < circuit.errorRate) return;
    const reason = `${errors} of the last ${total} attempts failed within ${circuit.windowSeconds}s`;
    this.opens.set(endpointId, { cooldownMs: circuit.cooldownMs, reason });
    this.window.forget(endpointId);
    this.log.warn(
      { endpointId, appId: delivery.appId, reason },
      "circuit opened: the endpoint's deliveries are paused",
    );
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    this.flushing ??= new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.flush())
      .finally(() => {
        this.flushing = undefined;
        if (this.latest.size + this.opens.size + this.closes.size + this.throttles.size + this.relaxes.size > 0) {
          this.scheduleFlush();
        }
      });
  }

  private async flush(): Promise<void> {
    await this.flushControl();
    const latest = this.latest;
    this.latest = new Map();
    const by = (outcome: Outcome): string[] => [...latest].filter(([, o]) => o === outcome).map(([id]) => id);
    const now = this.clock.nowMs();
    try {
      const disabled = await this.storage.endpoints.recordHealth(
        { succeeded: by("succeeded"), failed: by("failed"), gone: by("gone") },
        now,
        now - this.options.disableAfterMs,
      );
      for (const endpoint of disabled) {
        this.log.warn({ endpointId: endpoint.id, appId: endpoint.appId, reason: endpoint.reason }, "endpoint disabled");
        await this.events.emit("endpoint.disabled", {
          appId: endpoint.appId,
          endpointId: endpoint.id,
          endpointUid: endpoint.uid,
          failSince: endpoint.failingSince === null ? null : new Date(endpoint.failingSince).toISOString(),
          trigger: "automatic",
          reason: endpoint.reason,
        });
      }
    } catch (error) {
      // Health is advisory: the next outcome of each endpoint is recorded again.
      this.log.error({ err: error }, "recording endpoint health failed");
    }
  }

  private async flushControl(): Promise<void> {
    const { opens, closes, throttles, relaxes } = this;
    this.opens = new Map();
    this.closes = new Set();
    this.throttles = new Map();
    this.relaxes = new Set();
    const now = this.clock.nowMs();
    try {
      for (const [endpointId, open] of opens) {
        await this.storage.endpoints.openCircuit(endpointId, now, open.cooldownMs, open.reason);
      }
      await this.storage.endpoints.closeCircuits([...closes]);
      for (const [endpointId, t] of throttles) {
        const rate = await this.storage.endpoints.throttle(endpointId, now, t.holdUntil, t.observedRate);
        // Only when the rate went down: at most once a second per endpoint, never at the floor.
        if (rate !== null) {
          this.log.info(
            { endpointId, rate: Math.round(rate * 100) / 100, observedRate: Math.round(t.observedRate * 10) / 10 },
            "endpoint throttled: it keeps refusing requests (429, or 503 with Retry-After)",
          );
        }
      }
      await this.storage.endpoints.relaxThrottles([...relaxes], now);
    } catch (error) {
      // A lost decision is taken again on the endpoint's next attempts.
      this.log.error({ err: error }, "recording circuit or throttle state failed");
    }
    if (now - this.prunedAt >= PRUNE_INTERVAL_MS) {
      this.window.prune(now);
      this.refusals.prune(now);
      this.prunedAt = now;
    }
  }
}
