// Reads the Sendhooks input stream with a consumer group and turns each entry into a stored
// direct send. An entry is acknowledged only once its message is durably stored (or it is
// malformed and reported failed), so a crash or outage at any point loses nothing: what we
// read but did not acknowledge is read again from our pending list, or taken over by another
// consumer (XAUTOCLAIM) if we died. Re-reads are harmless: the eventId is derived from the
// entry id, so a second store of the same entry is refused as a duplicate and just acknowledged.
import { Wakeable } from "../../lib/async.js";
import type { DirectSender } from "../../delivery/directSend.js";
import { HooklaneError } from "../../lib/errors.js";
import type { ComponentHealth } from "../../lib/health.js";
import type { Logger } from "../../lib/logger.js";
import type { RedisSettings } from "./config.js";
import { reconnectDelayMs, type TrackedConnection } from "./connection.js";
import { parseStreamEntry, streamEventId } from "./entry.js";
import type { StatusWriter } from "./statusWriter.js";

/** Entries per read; each batch is stored concurrently, then acknowledged in one round trip. */
const BATCH = 100;
/** Consumers idle this long with nothing pending are removed from the group (see forgetIdleConsumers). */
const FORGET_CONSUMER_IDLE_MS = 3_600_000;
const FORGET_CHECK_INTERVAL_MS = 600_000;

type Entry = [id: string, fields: string[] | null];
type ReadReply = [stream: string, entries: Entry[]][] | null;

export class StreamConsumer {
  readonly counters = { stored: 0, duplicates: 0, malformed: 0 };
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly pause = new Wakeable();
  /** Entries may sit in our own pending list (a failed store, a lost reply): read those first. */
  private ownPendingWanted = true;
  private groupReady = false;
  private lastClaimAt = 0;
  private lastForgetAt = 0;
  private lastError: string | undefined;
  private readonly claimIntervalMs: number;
  private readonly blockMs: number;
  /** Settles every Redis wait of the loop at once on shutdown (see `abortable`). */
  private abort: (() => void) | undefined;
  private readonly aborted = new Promise<never>((_, reject) => {
    this.abort = () => reject(new Error("stream consumer stopped"));
  });

  constructor(
    private readonly connection: TrackedConnection,
    private readonly settings: RedisSettings,
    private readonly direct: DirectSender,
    private readonly status: StatusWriter,
    private readonly log: Logger,
  ) {
    this.claimIntervalMs = Math.max(100, Math.min(5000, Math.floor(settings.claimIdleMs / 2)));
    this.aborted.catch(() => undefined);
    // Short enough that claim checks and shutdown are not held up by an idle stream.
    this.blockMs = Math.min(2000, this.claimIntervalMs);
    // After a reconnect the reply to a read may have been lost with its entries already
    // assigned to us: look in our pending list before reading new ones.
    connection.redis.on("ready", () => {
      this.ownPendingWanted = true;
    });
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  health(): ComponentHealth {
    const ready = this.connection.redis.status === "ready" && this.groupReady;
    return {
      name: "redis-stream",
      state: ready ? "up" : this.lastError || this.connection.lastError() ? "down" : "connecting",
      required: this.settings.required,
      detail: ready ? undefined : (this.connection.lastError() ?? this.lastError),
      counters: { ...this.counters },
    };
  }

  /** Stops reading; what was read is stored and acknowledged first (or left pending for later). */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.pause.notify();
    // Connected: let the current read end (at most blockMs) and its entries be stored and
    // acknowledged. Disconnected: a queued command may never settle, so stop waiting at once.
    // Whatever is left unacknowledged stays pending in Redis and is read again later.
    const graceMs = this.connection.redis.status === "ready" ? this.blockMs + 1000 : 0;
    const timer = setTimeout(() => this.abort?.(), graceMs);
    await this.loop;
    clearTimeout(timer);
  }

  /** A Redis command the loop waits on, given up when the consumer is stopped. */
  private abortable<T>(command: Promise<T>): Promise<T> {
    return Promise.race([command, this.aborted]);
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      try {
        if (!this.groupReady) await this.ensureGroup();
        const entries = await this.next();
        if (!this.running && entries.length === 0) break;
        const allDone = await this.handle(entries);
        this.lastError = undefined;
        if (allDone) {
          failures = 0;
        } else {
          await this.pause.sleep(reconnectDelayMs(++failures));
        }
      } catch (error) {
        if (!this.running) break;
        const message = (error as Error).message;
        // The group (or the whole stream) vanished, e.g. Redis restarted without persistence.
        if (message.includes("NOGROUP")) this.groupReady = false;
        this.ownPendingWanted = true;
        this.lastError = message;
        if (failures++ === 0)
          this.log.warn({ err: message }, "reading the input stream failed; retrying with back-off");
        await this.pause.sleep(reconnectDelayMs(failures));
      }
    }
  }

  private async ensureGroup(): Promise<void> {
    const { stream, group } = this.settings;
    try {
      // From "0": entries already in the stream (produced while nothing consumed it) are delivered.
      await this.abortable(this.connection.redis.xgroup("CREATE", stream, group, "0", "MKSTREAM"));
      this.log.info({ stream, group }, "created consumer group");
    } catch (error) {
      if (!(error as Error).message.includes("BUSYGROUP")) throw error;
    }
    this.groupReady = true;
    this.ownPendingWanted = true;
  }

  private async next(): Promise<Entry[]> {
    const { stream, group, consumer, claimIdleMs } = this.settings;
    const redis = this.connection.redis;
    if (this.ownPendingWanted) {
      const own = entriesOf(
        (await this.abortable(
          redis.xreadgroup("GROUP", group, consumer, "COUNT", BATCH, "STREAMS", stream, "0"),
        )) as ReadReply,
      );
      if (own.length > 0) return own;
      this.ownPendingWanted = false;
    }
    if (Date.now() - this.lastClaimAt >= this.claimIntervalMs) {
      this.lastClaimAt = Date.now();
      // Entries a dead consumer read but never acknowledged. The idle threshold keeps us off
      // entries a live consumer is still storing.
      const reply = (await this.abortable(
        redis.xautoclaim(stream, group, consumer, claimIdleMs, "0-0", "COUNT", BATCH),
      )) as [string, Entry[], string[]?];
      const claimed = reply[1].filter((entry) => entry !== null);
      if (claimed.length > 0) {
        this.log.info({ count: claimed.length }, "took over entries another consumer left unacknowledged");
        return claimed;
      }
      if (Date.now() - this.lastForgetAt >= FORGET_CHECK_INTERVAL_MS) {
        this.lastForgetAt = Date.now();
        await this.forgetIdleConsumers();
      }
    }
    if (!this.running) return [];
    return entriesOf(
      (await this.abortable(
        redis.xreadgroup("GROUP", group, consumer, "COUNT", BATCH, "BLOCK", this.blockMs, "STREAMS", stream, ">"),
      )) as ReadReply,
    );
  }

  /**
   * Each process joins under its own name (hostname-pid by default), so restarts leave names
   * behind in the group. Names with nothing pending carry no state: removing them is safe
   * even if the consumer is alive (its next read adds it back).
   */
  private async forgetIdleConsumers(): Promise<void> {
    const { stream, group, consumer } = this.settings;
    const redis = this.connection.redis;
    const info = (await this.abortable(redis.xinfo("CONSUMERS", stream, group))) as unknown[][];
    for (const name of idleConsumers(info, consumer, FORGET_CONSUMER_IDLE_MS)) {
      await this.abortable(redis.xgroup("DELCONSUMER", stream, group, name));
      this.log.info({ consumer: name }, "removed an idle consumer with nothing pending from the group");
    }
  }

  /** Stores a batch and acknowledges what is settled; false when some must be tried again. */
  private async handle(entries: Entry[]): Promise<boolean> {
    if (entries.length === 0) return true;
    const settled = await Promise.all(entries.map(([id, fields]) => this.store(id, fields)));
    const ids = entries.filter((_, i) => settled[i]).map(([id]) => id);
    if (ids.length > 0) await this.acknowledge(ids);
    if (ids.length < entries.length) {
      this.ownPendingWanted = true;
      return false;
    }
    return true;
  }

  /** true when the entry is settled (stored, a duplicate, or reported malformed). */
  private async store(entryId: string, fields: string[] | null): Promise<boolean> {
    const { stream, secretHashHeader } = this.settings;
    if (fields === null) {
      // Deleted from the stream while pending (by someone else): nothing left to deliver.
      this.log.warn({ entryId }, "pending entry no longer exists in the stream; acknowledging it");
      return true;
    }
    const parsed = parseStreamEntry(fields, entryId);
    if (!parsed.ok) {
      await this.reportMalformed(entryId, parsed.webhookId, parsed.url, parsed.reason);
      return true;
    }
    const { request } = parsed;
    try {
      await this.direct.send({
        url: request.url,
        payload: request.data,
        eventType: "sendhooks.webhook",
        eventId: streamEventId(stream, entryId),
        headers: request.secretHash ? { [secretHashHeader]: request.secretHash } : null,
        origin: { source: "redis-stream", webhookId: request.webhookId, stream, entryId },
      });
      this.counters.stored++;
      return true;
    } catch (error) {
      if (error instanceof HooklaneError && error.kind === "conflict") {
        // Stored by an earlier read of this entry (we crashed, or another consumer took it over).
        this.counters.duplicates++;
        return true;
      }
      if (error instanceof HooklaneError && error.kind === "validation") {
        await this.reportMalformed(entryId, request.webhookId, request.url, error.message);
        return true;
      }
      this.lastError = (error as Error).message;
      this.log.warn({ err: error, entryId }, "could not store stream entry; it stays pending and is retried");
      return false;
    }
  }

  private async reportMalformed(entryId: string, webhookId: string, url: string, reason: string): Promise<void> {
    this.counters.malformed++;
    this.log.warn({ entryId, webhookId, reason }, "malformed stream entry: reported failed and acknowledged");
    const now = Date.now();
    await this.abortable(
      this.status.write({
        webhookId,
        status: "failed",
        deliveryError: `malformed entry: ${reason}`,
        url,
        createdMs: now,
        deliveredMs: now,
        payloadSize: 0,
        numberOfTries: 0,
      }),
    );
  }

  private async acknowledge(ids: string[]): Promise<void> {
    const { stream, group, deleteAcked } = this.settings;
    const redis = this.connection.redis;
    if (!deleteAcked) {
      await this.abortable(redis.xack(stream, group, ...ids));
      return;
    }
    // Acknowledge before deleting, in one transaction: a deleted but still pending entry
    // would come back from the pending list with no fields.
    const results = await this.abortable(
      redis
        .multi()
        .xack(stream, group, ...ids)
        .xdel(stream, ...ids)
        .exec(),
    );
    const failed = results?.find(([error]) => error !== null);
    if (failed) throw failed[0] as Error;
  }
}

function entriesOf(reply: ReadReply): Entry[] {
  return reply?.[0]?.[1] ?? [];
}

/** Names in an XINFO CONSUMERS reply that have nothing pending and were idle at least `idleMs`. */
export function idleConsumers(info: unknown[][], self: string, idleMs: number): string[] {
  const names: string[] = [];
  for (const flat of info) {
    const fields = new Map<string, unknown>();
    for (let i = 0; i + 1 < flat.length; i += 2) fields.set(String(flat[i]), flat[i + 1]);
    const name = String(fields.get("name"));
    if (name !== self && Number(fields.get("pending")) === 0 && Number(fields.get("idle")) >= idleMs) names.push(name);
  }
  return names;
}
