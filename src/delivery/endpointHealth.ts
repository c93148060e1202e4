// Endpoint health: follows every stored attempt, disables endpoints that answer 410 Gone or
// keep failing past the window (any success resets it), and raises the attempt-level
// operational events (failing, exhausted, recovered).
import type { Clock } from "../lib/clock.js";
import type { Logger } from "../lib/logger.js";
import type { Storage } from "../storage/contract.js";
import type { OperationalEvents } from "./operationalEvents.js";
import type { AttemptRecorded } from "./worker.js";

export interface HealthOptions {
  /** An endpoint whose attempts all failed for this long is disabled. */
  disableAfterMs: number;
  /** The attempt number at which `message.attempt.failing` is raised. */
  failingThreshold: number;
}

type Outcome = "succeeded" | "failed" | "gone";

export class EndpointHealthTracker {
  private latest = new Map<string, Outcome>();
  /** Endpoints whose latest outcome recorded here was a failure. */
  private readonly markedFailing = new Set<string>();
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly storage: Storage,
    private readonly events: OperationalEvents,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly options: HealthOptions,
  ) {}

  observe(event: AttemptRecorded): void {
    const { attempt, completion, delivery, message } = event;
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

  private scheduleFlush(): void {
    this.flushing ??= new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.flush())
      .finally(() => {
        this.flushing = undefined;
        if (this.latest.size > 0) this.scheduleFlush();
      });
  }

  private async flush(): Promise<void> {
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
}
