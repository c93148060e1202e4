// The composition root: wires config, storage, the delivery worker, the HTTP API and the
// ingest adapters into one process, and shuts them down in order.
import type { FastifyInstance } from "fastify";
import { Authenticator } from "../api/auth.js";
import { buildServer } from "../api/server.js";
import type { Config } from "../config/schema.js";
import { DirectSender, resolveDirectSecret } from "../delivery/directSend.js";
import { HttpSender, type RequestSender } from "../delivery/httpSender.js";
import { ThreadedSender } from "../delivery/threadedSender.js";
import { EndpointHealthTracker } from "../delivery/endpointHealth.js";
import { EndpointVerifier } from "../delivery/endpointVerifier.js";
import { OperationalEvents } from "../delivery/operationalEvents.js";
import { Publisher } from "../delivery/publish.js";
import { RetentionJob } from "../delivery/retention.js";
import { TaskRunner } from "../delivery/taskRunner.js";
import { DeliveryWorker } from "../delivery/worker.js";
import { InboundReceiver } from "../inbound/receive.js";
import { resolveRedisSettings } from "../ingest/redis/config.js";
import { startRedisIngest, type RedisIngest } from "../ingest/redis/index.js";
import { systemClock, type Clock } from "../lib/clock.js";
import type { Logger } from "../lib/logger.js";
import type { Storage } from "../storage/contract.js";
import { aesGcmCipher } from "../domain/secretCipher.js";
import { openStorage } from "../storage/open.js";
import { ensureAdminToken } from "./adminToken.js";
import { createMetrics } from "./metrics.js";
import { startTracing } from "./tracing.js";

export interface Hooklane {
  /** Base URL of the API, e.g. http://127.0.0.1:8071. */
  readonly url: string;
  readonly storage: Storage;
  /** Set when this start generated the admin token; it is not stored in clear anywhere. */
  readonly generatedAdminToken: string | null;
  stop(): Promise<void>;
}

export async function startHooklane(config: Config, logger: Logger, clock: Clock = systemClock): Promise<Hooklane> {
  if (!config.mainSecret) {
    logger.warn("HOOKLANE_MAIN_SECRET is not set: endpoint secrets are stored in plaintext");
  }
  const storage = await openStorage(config.databaseUrl, {
    cipher: config.mainSecret ? aesGcmCipher(config.mainSecret) : undefined,
    migrate: config.migrateOnStart,
    poolSize: config.databasePoolSize,
    preparedStatements: config.databasePreparedStatements,
    connectTimeoutMs: config.databaseConnectTimeoutMs,
    logger: logger.child({ component: "storage" }),
  });
  const generatedAdminToken = config.adminToken ? null : await ensureAdminToken(storage, clock);
  const tracing = await startTracing(config);
  const publisher = new Publisher(storage, clock, config.retentionSeconds * 1000, tracing?.publishTracer);
  const events = new OperationalEvents(storage, publisher, clock, logger.child({ component: "operational-events" }));
  const direct = new DirectSender(
    storage,
    publisher,
    clock,
    await resolveDirectSecret(storage, config.directSecret, clock),
  );
  const inbound = new InboundReceiver(storage, publisher, clock, config.bodyLimitBytes);
  const runsApi = config.role !== "worker";
  const runsWorker = config.role !== "api";

  // The API sends endpoint verification challenges from this thread; workers send deliveries
  // from a thread of their own (senderThread) or from this one.
  const senderSettings = {
    allowedSubnets: config.allowedSubnets,
    timeoutMs: config.requestTimeoutMs,
    maxResponseBytes: config.responseBodyMaxBytes,
  };
  const sender = HttpSender.fromSettings(senderSettings);
  const deliverySender: RequestSender =
    config.senderThread && runsWorker
      ? new ThreadedSender(senderSettings, logger.child({ component: "sender-thread" }))
      : sender;
  const verifier = new EndpointVerifier(storage, sender, publisher, clock, config.signatureHeaders);
  let worker: DeliveryWorker | undefined;
  let stopListening: (() => void) | undefined;
  let retention: RetentionJob | undefined;
  let tasks: TaskRunner | undefined;
  if (runsWorker) {
    worker = new DeliveryWorker(
      storage,
      deliverySender,
      {
        concurrency: config.workerConcurrency,
        endpointConcurrency: config.endpointConcurrency,
        claimBatchSize: config.claimBatchSize,
        pollIntervalMs: config.pollIntervalMs,
        // A claimed delivery may wait behind one request of its endpoint, then make its own.
        leaseMs: 2 * config.requestTimeoutMs + config.leaseMarginMs,
        shutdownTimeoutMs: config.shutdownTimeoutMs,
        retry: {
          scheduleSeconds: config.retrySchedule,
          jitter: config.retryJitter,
          retryAfterMaxSeconds: config.retryAfterMaxSeconds,
        },
        signatureHeaders: config.signatureHeaders,
      },
      clock,
      logger.child({ component: "worker" }),
    );
    const w = worker;
    const health = new EndpointHealthTracker(storage, events, clock, logger.child({ component: "endpoint-health" }), {
      disableAfterMs: config.endpointDisableAfterSeconds * 1000,
      failingThreshold: config.attemptFailingThreshold,
      circuit: config.circuitBreaker
        ? {
            windowSeconds: config.circuitWindowSeconds,
            errorRate: config.circuitErrorRatePercent / 100,
            minAttempts: config.circuitMinAttempts,
            cooldownMs: config.circuitCooldownSeconds * 1000,
            maxCooldownMs: config.circuitMaxCooldownSeconds * 1000,
          }
        : null,
    });
    worker.onAttempt((event) => health.observe(event));
    if (tracing) worker.onAttempt((event) => tracing.observeAttempt(event));
    publisher.onWork((deliveryIds) => w.notify(deliveryIds));
    publisher.dispatchTo(w);
    // Other instances' new work (PostgreSQL NOTIFY); polling still covers anything missed.
    stopListening = storage.onDeliveriesDue?.(() => w.notify());
    worker.start();
    retention = new RetentionJob(storage, clock, logger.child({ component: "retention" }), {
      retentionMs: config.retentionSeconds * 1000,
      intervalMs: config.retentionIntervalSeconds * 1000,
    });
    retention.start();
    tasks = new TaskRunner(storage, clock, logger.child({ component: "tasks" }), {
      pollIntervalMs: Math.max(config.pollIntervalMs, 1000),
      onRedriven: () => w.notify(),
    });
    tasks.start();
  }

  // Ingest after the worker, so status listeners are in place before the first entry is read.
  let ingest: RedisIngest | undefined;
  const redisSettings = resolveRedisSettings(config);
  if (redisSettings) {
    ingest = await startRedisIngest(redisSettings, { direct, worker, log: logger.child({ component: "ingest" }) });
  }

  const metrics = createMetrics({ storage, publisher, worker, inbound, clock }, logger.child({ component: "metrics" }));

  // A worker-only process still listens, for health checks and metrics only.
  let listenUrl = "";
  const publicUrl = (): string => config.publicUrl ?? listenUrl;
  const server: FastifyInstance = await buildServer(
    {
      storage,
      publisher,
      events,
      inbound,
      direct,
      verifier,
      components: () => ingest?.components() ?? [],
      clock,
      config,
      publicUrl,
      // An API-only instance leaves tasks to the worker instances, which poll for them.
      tasksCreated: () => tasks?.notify(),
    },
    new Authenticator(storage, clock, config.adminToken),
    logger,
    { routes: runsApi ? "all" : "health", metrics, attemptFeed: worker },
  );
  const address = await server.listen({ port: config.port, host: config.host });
  listenUrl = address;

  let stopped = false;
  return {
    url: listenUrl,
    storage,
    generatedAdminToken,
    async stop() {
      if (stopped) return;
      stopped = true;
      // Input first (what was read gets stored and acknowledged), then the API, then delivery;
      // the ingest connections close last so final status entries are still written.
      await ingest?.stopConsuming();
      await server.close();
      stopListening?.();
      await retention?.stop();
      await tasks?.stop();
      await worker?.stop();
      await ingest?.close();
      await sender.close();
      if (deliverySender !== sender) await deliverySender.close();
      await tracing?.shutdown();
      await storage.close();
    },
  };
}
