// Starts and stops the Redis ingest adapters (stream, status stream, pub/sub) as one unit.
import type { DirectSender } from "../../delivery/directSend.js";
import type { DeliveryWorker } from "../../delivery/worker.js";
import type { ComponentHealth } from "../../lib/health.js";
import type { Logger } from "../../lib/logger.js";
import type { RedisSettings } from "./config.js";
import { closeConnection, openConnection, type TrackedConnection } from "./connection.js";
import { PubsubConsumer } from "./pubsub.js";
import { reportForAttempt, StatusWriter } from "./statusWriter.js";
import { StreamConsumer } from "./streamConsumer.js";

/** How long shutdown waits for status entries still being written. */
const STATUS_DRAIN_MS = 2000;

export interface RedisIngest {
  components(): ComponentHealth[];
  /** Stops reading new input; what was read is stored and acknowledged first. */
  stopConsuming(): Promise<void>;
  /** Closes the connections; call after the worker stopped so final statuses are written. */
  close(): Promise<void>;
}

export interface RedisIngestDeps {
  direct: DirectSender;
  /** Absent in an API-only process: status entries are then written by the worker processes. */
  worker: DeliveryWorker | undefined;
  log: Logger;
}

export async function startRedisIngest(settings: RedisSettings, deps: RedisIngestDeps): Promise<RedisIngest> {
  const { log } = deps;
  const connections: TrackedConnection[] = [];
  const open = (role: string, extra = {}): TrackedConnection => {
    const connection = openConnection(settings, role, log, extra);
    connections.push(connection);
    return connection;
  };

  // Separate connections: the stream reader blocks in XREADGROUP, a subscriber can do nothing
  // else, and status entries must not queue behind either.
  const statusConnection = open("status");
  const status = new StatusWriter(
    statusConnection,
    settings.statusStream,
    settings.statusDialect,
    settings.statusMaxLen,
    log.child({ adapter: "redis-status" }),
  );
  const pendingStatuses = new Set<Promise<void>>();
  deps.worker?.onAttempt((event) => {
    const report = reportForAttempt(event, settings.stream);
    if (!report) return;
    const write = status.write(report).finally(() => pendingStatuses.delete(write));
    pendingStatuses.add(write);
  });

  // ioredis re-sends a read whose reply was lost with the connection (turning that off leaves
  // the promise unsettled for ever); entries in a lost reply are found in our pending list,
  // which the consumer reads after every reconnect.
  const stream = new StreamConsumer(
    open("stream"),
    settings,
    deps.direct,
    status,
    log.child({ adapter: "redis-stream" }),
  );
  stream.start();

  let pubsub: PubsubConsumer | undefined;
  if (settings.pubsubChannel) {
    pubsub = new PubsubConsumer(
      open("pubsub"),
      settings.pubsubChannel,
      settings.secretHashHeader,
      settings.required,
      deps.direct,
      log.child({ adapter: "redis-pubsub" }),
    );
    // Not awaited: Redis may be down at start; the subscription is made when it is reachable.
    pubsub.start().catch((error: unknown) => log.error({ err: error }, "redis pub/sub subscription failed"));
  }
  log.info(
    {
      stream: settings.stream,
      group: settings.group,
      consumer: settings.consumer,
      statusStream: settings.statusStream,
      pubsub: settings.pubsubChannel,
    },
    "redis ingest started",
  );

  return {
    components: () => [stream.health(), ...(pubsub ? [pubsub.health()] : [])],
    async stopConsuming() {
      await Promise.all([stream.stop(), pubsub?.stop()]);
    },
    async close() {
      // Final statuses of the last deliveries, unless Redis is away (then they are lost: best effort).
      await Promise.race([
        Promise.all([...pendingStatuses]),
        new Promise((resolve) => setTimeout(resolve, STATUS_DRAIN_MS).unref()),
      ]);
      await Promise.all(connections.map((c) => closeConnection(c)));
    },
  };
}
