// Prometheus metrics (prom-client): counters fed by the publisher and the delivery worker,
// gauges read from storage and the worker at scrape time, and Node's default process metrics
// (event-loop lag, memory, GC). Labels are bounded sets (outcome, status class), never ids:
// per-endpoint or per-message series would grow without limit.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { Publisher } from "../delivery/publish.js";
import type { DeliveryWorker } from "../delivery/worker.js";
import type { InboundReceiver } from "../inbound/receive.js";
import type { Clock } from "../lib/clock.js";
import type { Logger } from "../lib/logger.js";
import { BACKLOG_COUNT_LIMIT, type Backlog, type Storage } from "../storage/contract.js";

export interface Metrics {
  readonly contentType: string;
  render(): Promise<string>;
}

/** "2xx"… by the response; "none" when no response came (refused, timeout, blocked address). */
export function statusClass(code: number): string {
  return code >= 100 && code < 600 ? `${Math.floor(code / 100)}xx` : "none";
}

/** Several gauges read one backlog query per scrape; a scrape asks for them all at once. */
function sharedBacklog(storage: Storage, clock: Clock): () => Promise<Backlog> {
  let last: { at: number; value: Promise<Backlog> } | undefined;
  return () => {
    const now = clock.nowMs();
    if (!last || now - last.at > 1000) last = { at: now, value: storage.deliveries.backlog(now) };
    return last.value;
  };
}

export function createMetrics(
  parts: {
    storage: Storage;
    publisher: Publisher;
    worker: DeliveryWorker | undefined;
    inbound?: InboundReceiver | undefined;
    clock: Clock;
  },
  log: Logger,
): Metrics {
  const { storage, publisher, worker, inbound, clock } = parts;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const accepted = new Counter({
    name: "hooklane_messages_accepted_total",
    help: "Messages accepted by the API (stored, fanned out to matching endpoints).",
    registers: [registry],
  });
  const fanout = new Counter({
    name: "hooklane_deliveries_created_total",
    help: "Deliveries created by accepted messages (one per matching endpoint).",
    registers: [registry],
  });
  publisher.onPublished((_message, deliveryCount) => {
    accepted.inc();
    fanout.inc(deliveryCount);
  });

  // By verification scheme, not by source id: sources are created through the API, so a
  // label per source would be a series set that grows with use.
  const received = new Counter({
    name: "hooklane_inbound_requests_total",
    help: "Requests received on /in/{source_id}, by the source's verification scheme and what was answered.",
    labelNames: ["scheme", "result"],
    registers: [registry],
  });
  inbound?.onReceived(({ scheme, result }) => received.inc({ scheme: scheme ?? "unknown_source", result }));

  const attempts = new Counter({
    name: "hooklane_delivery_attempts_total",
    help: "Delivery attempts by what followed (succeeded, retry scheduled, failed for good) and response status class.",
    labelNames: ["outcome", "status_class"],
    registers: [registry],
  });
  const duration = new Histogram({
    name: "hooklane_delivery_attempt_duration_seconds",
    help: "Time from sending a delivery request to its response (or failure).",
    labelNames: ["status_class"],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  worker?.onAttempt(({ attempt, completion }) => {
    const cls = statusClass(attempt.responseStatusCode);
    attempts.inc({ outcome: completion.kind, status_class: cls });
    duration.observe({ status_class: cls }, attempt.responseDurationMs / 1000);
  });

  // SQLite's group commits: what a publish waits for before its 202, and how much of it is the
  // disk's sync (the floor under publish latency on a slow disk).
  if (storage.onCommit) {
    const commitDuration = new Histogram({
      name: "hooklane_sqlite_commit_duration_seconds",
      help: "SQLite group commits: time from BEGIN until the WAL is synced to disk (what writers wait for).",
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    });
    const syncDuration = new Histogram({
      name: "hooklane_sqlite_wal_sync_duration_seconds",
      help: "SQLite group commits: the WAL fdatasync alone (the disk's share of a commit).",
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    });
    const commitSize = new Histogram({
      name: "hooklane_sqlite_commit_transactions",
      help: "SQLite group commits: transactions (publishes, result batches, API writes) carried by one commit.",
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
      registers: [registry],
    });
    storage.onCommit(({ transactions, durationMs, syncMs }) => {
      commitDuration.observe(durationMs / 1000);
      syncDuration.observe(syncMs / 1000);
      commitSize.observe(transactions);
    });
  }

  if (worker) {
    new Gauge({
      name: "hooklane_worker_in_flight_requests",
      help: "Delivery requests this process has in flight.",
      registers: [registry],
      collect() {
        this.set(worker.inFlightCount);
      },
    });
  }

  const backlog = sharedBacklog(storage, clock);
  // A failed query leaves the previous value; the log says why, and the gap shows in graphs
  // of hooklane_delivery_backlog_scrape_errors_total.
  const backlogErrors = new Counter({
    name: "hooklane_delivery_backlog_scrape_errors_total",
    help: "Scrapes whose backlog query failed (database unreachable).",
    registers: [registry],
  });
  const readBacklog = async (): Promise<Backlog | undefined> => {
    try {
      return await backlog();
    } catch (error) {
      backlogErrors.inc();
      log.warn({ err: error }, "metrics: backlog query failed");
      return undefined;
    }
  };
  new Gauge({
    name: "hooklane_delivery_backlog",
    help: `Deliveries due now that no worker holds, counted up to ${BACKLOG_COUNT_LIMIT} (shared database: the same for every instance).`,
    registers: [registry],
    async collect() {
      const b = await readBacklog();
      if (b) this.set(b.due);
    },
  });
  new Gauge({
    name: "hooklane_delivery_oldest_due_age_seconds",
    help: "How long the oldest due delivery has been waiting; 0 when none. Alert on this, not on the backlog size.",
    registers: [registry],
    async collect() {
      const b = await readBacklog();
      if (b) this.set(b.oldestDueAt === null ? 0 : Math.max(0, (clock.nowMs() - b.oldestDueAt) / 1000));
    },
  });

  new Gauge({
    name: "hooklane_endpoints_not_flowing",
    help: "Endpoints whose deliveries are held back, by why: disabled, circuit_open (incl. half-open probing), throttled (after 429/503).",
    labelNames: ["state"],
    registers: [registry],
    async collect() {
      try {
        const counts = await storage.dashboard.endpointStates();
        this.set({ state: "disabled" }, counts.disabled);
        this.set({ state: "circuit_open" }, counts.circuitOpen);
        this.set({ state: "throttled" }, counts.throttled);
      } catch (error) {
        log.warn({ err: error }, "metrics: endpoint state query failed");
      }
    },
  });

  return { contentType: registry.contentType, render: () => registry.metrics() };
}
