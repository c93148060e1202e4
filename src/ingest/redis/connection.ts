// Opens named Redis connections that reconnect by themselves with capped exponential back-off,
// and tracks whether they are up for the health route.
import { Redis, type RedisOptions } from "ioredis";
import type { Logger } from "../../lib/logger.js";
import type { RedisSettings } from "./config.js";

const RECONNECT_MAX_MS = 5000;

/** Back-off for the nth reconnect attempt: 100 ms doubling to a 5 s cap. */
export function reconnectDelayMs(attempt: number): number {
  return Math.min(RECONNECT_MAX_MS, 100 * 2 ** Math.min(attempt, 10));
}

export interface TrackedConnection {
  redis: Redis;
  /** Last connection error in words while not ready. */
  lastError(): string | undefined;
}

/**
 * `role` becomes the CLIENT SETNAME (`hooklane:<role>:<consumer>`), so operators (and tests)
 * can find our connections in CLIENT LIST. Commands wait across reconnects
 * (maxRetriesPerRequest: null) instead of failing, so an outage delays acks and status
 * entries rather than dropping them.
 */
export function openConnection(
  settings: RedisSettings,
  role: string,
  log: Logger,
  extra: RedisOptions = {},
): TrackedConnection {
  const options: RedisOptions = {
    ...settings.options,
    ...extra,
    connectionName: `hooklane:${role}:${settings.consumer}`.replace(/\s/g, "_"),
    maxRetriesPerRequest: null,
    retryStrategy: (times: number) => reconnectDelayMs(times),
    // Our own connection errors are logged once per outage below, not per attempt.
    showFriendlyErrorStack: false,
  };
  const redis = settings.url ? new Redis(settings.url, options) : new Redis(options);
  let lastError: string | undefined;
  let down = false;
  redis.on("error", (error: Error) => {
    lastError = error.message;
    if (!down) log.warn({ role, err: error.message }, "redis connection lost; reconnecting with back-off");
    down = true;
  });
  // A killed connection (Redis restart, failover, CLIENT KILL) closes without an error event.
  redis.on("reconnecting", () => {
    if (!down) log.warn({ role }, "redis connection closed; reconnecting with back-off");
    down = true;
  });
  redis.on("ready", () => {
    if (down) log.info({ role }, "redis connection back");
    down = false;
    lastError = undefined;
  });
  return { redis, lastError: () => lastError };
}

/** Closes politely when Redis answers, at once when it does not (QUIT would wait forever). */
export async function closeConnection(connection: TrackedConnection, timeoutMs = 1000): Promise<void> {
  const { redis } = connection;
  if (redis.status === "ready") {
    const timer = new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref());
    await Promise.race([
      redis.quit().then(
        () => undefined,
        () => undefined,
      ),
      timer,
    ]);
  }
  redis.disconnect();
}
