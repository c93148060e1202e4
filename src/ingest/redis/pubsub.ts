// Subscribes to a Redis pub/sub channel carrying golang-wehook style `{url, webhookId, data}`
// messages and stores each as a direct send. Pub/sub has no acknowledgement or backlog: a
// message published while we are disconnected, or one we fail to store, is gone. The stream
// adapter is the reliable path; this one exists so such producers can switch unchanged.
import type { DirectSender } from "../../delivery/directSend.js";
import type { ComponentHealth } from "../../lib/health.js";
import type { Logger } from "../../lib/logger.js";
import type { TrackedConnection } from "./connection.js";
import { parseWebhookJson } from "./entry.js";

export class PubsubConsumer {
  readonly counters = { stored: 0, malformed: 0, lost: 0 };
  private readonly inFlight = new Set<Promise<void>>();
  private subscribed = false;

  constructor(
    private readonly connection: TrackedConnection,
    private readonly channel: string,
    private readonly secretHashHeader: string,
    private readonly required: boolean,
    private readonly direct: DirectSender,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    const redis = this.connection.redis;
    redis.on("message", (channel: string, text: string) => {
      if (channel !== this.channel) return;
      const work = this.store(text).finally(() => this.inFlight.delete(work));
      this.inFlight.add(work);
    });
    // ioredis subscribes again by itself after a reconnect (autoResubscribe).
    await redis.subscribe(this.channel);
    this.subscribed = true;
  }

  health(): ComponentHealth {
    const up = this.subscribed && this.connection.redis.status === "ready";
    return {
      name: "redis-pubsub",
      state: up ? "up" : this.connection.lastError() ? "down" : "connecting",
      required: this.required,
      detail: up ? undefined : this.connection.lastError(),
      counters: { ...this.counters },
    };
  }

  /** Stops taking messages and waits for those being stored. */
  async stop(): Promise<void> {
    if (this.subscribed && this.connection.redis.status === "ready") {
      await this.connection.redis.unsubscribe(this.channel).catch(() => undefined);
    }
    this.subscribed = false;
    await Promise.all([...this.inFlight]);
  }

  private async store(text: string): Promise<void> {
    const parsed = parseWebhookJson(text, "");
    if (!parsed.ok) {
      this.counters.malformed++;
      this.log.warn(
        { channel: this.channel, webhookId: parsed.webhookId, reason: parsed.reason },
        "malformed pub/sub message dropped",
      );
      return;
    }
    const { request } = parsed;
    try {
      await this.direct.send({
        url: request.url,
        payload: request.data,
        eventType: "redis.pubsub",
        headers: request.secretHash ? { [this.secretHashHeader]: request.secretHash } : null,
        origin: { source: "redis-pubsub", webhookId: request.webhookId || undefined },
      });
      this.counters.stored++;
    } catch (error) {
      // Nothing to retry from: pub/sub keeps no copy.
      this.counters.lost++;
      this.log.error({ err: error, webhookId: request.webhookId }, "could not store pub/sub message; it is lost");
    }
  }
}
