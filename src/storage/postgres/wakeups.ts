// Cross-process wake-ups over LISTEN/NOTIFY: a process that made deliveries due sends one
// NOTIFY; workers in every process LISTEN on a dedicated connection and claim at once
// instead of at their next poll. Polling stays the safety net, so a lost notification only
// costs latency, never a delivery.
import pg from "pg";
import type { Logger } from "../../lib/logger.js";

export const DELIVERIES_CHANNEL = "hooklane_deliveries";

/**
 * One NOTIFY in its own tiny transaction. PostgreSQL serialises the commits of notifying
 * transactions on a global lock, so we keep NOTIFY out of the message-creating transaction
 * (which would then wait on every other instance's fsync) and commit it without waiting
 * for the flush: a notification lost in a crash costs one poll interval at most.
 */
const NOTIFY_SQL = `BEGIN; SET LOCAL synchronous_commit TO OFF; NOTIFY ${DELIVERIES_CHANNEL}; COMMIT`;

const RECONNECT_MIN_MS = 250;
const RECONNECT_MAX_MS = 5000;

export class DeliveryWakeups {
  private readonly listeners = new Set<() => void>();
  private client: pg.Client | undefined;
  private connecting: Promise<void> | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private reconnectDelayMs = RECONNECT_MIN_MS;
  private notifyInFlight = false;
  private notifyAgain = false;
  private closed = false;

  constructor(
    private readonly connectionString: string,
    private readonly pool: pg.Pool,
    private readonly log: Logger,
  ) {}

  /**
   * Tells every listening process that deliveries became due. Calls arriving while one
   * NOTIFY is on its way collapse into one more, so a burst of messages costs two
   * notifications, not one per message.
   */
  signal(): void {
    if (this.closed) return;
    if (this.notifyInFlight) {
      this.notifyAgain = true;
      return;
    }
    this.notifyInFlight = true;
    this.pool.query(NOTIFY_SQL).then(
      () => this.afterNotify(),
      (error: unknown) => {
        // Workers still poll; the wake-up is only late.
        this.log.debug({ err: error }, "NOTIFY failed; workers will find the deliveries by polling");
        this.afterNotify();
      },
    );
  }

  private afterNotify(): void {
    this.notifyInFlight = false;
    if (this.notifyAgain) {
      this.notifyAgain = false;
      this.signal();
    }
  }

  /**
   * Calls `listener` whenever any process signals; opens the LISTEN connection on first use.
   * The listener is also called each time listening (re)starts, as notifications sent while
   * not listening are lost.
   */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    if (!this.client && !this.connecting && !this.closed) this.connecting = this.connect();
    return () => this.listeners.delete(listener);
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.connectionString,
      keepAlive: true,
      application_name: "hooklane-listen",
    });
    // Registered before connect: a socket error must never surface as an uncaught 'error'.
    client.on("error", (error) => this.log.warn({ err: error }, "LISTEN connection to PostgreSQL failed"));
    client.on("notification", () => this.wakeAll());
    client.on("end", () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${DELIVERIES_CHANNEL}`);
    } catch (error) {
      this.log.warn({ err: error, retryInMs: this.reconnectDelayMs }, "cannot LISTEN for new deliveries yet");
      this.connecting = undefined;
      await client.end().catch(() => undefined);
      this.scheduleReconnect();
      return;
    }
    this.connecting = undefined;
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    const recovered = this.reconnectDelayMs > RECONNECT_MIN_MS;
    this.client = client;
    this.reconnectDelayMs = RECONNECT_MIN_MS;
    if (recovered) this.log.info("listening for new deliveries again");
    // Notifications sent while we were not listening are gone: look once now.
    this.wakeAll();
  }

  private lost(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = undefined;
    if (this.closed) return;
    this.log.warn("LISTEN connection to PostgreSQL closed; reconnecting (workers keep polling meanwhile)");
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer) return;
    const delay = this.reconnectDelayMs;
    this.reconnectDelayMs = Math.min(this.reconnectDelayMs * 2, RECONNECT_MAX_MS);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (!this.closed && !this.client && !this.connecting) this.connecting = this.connect();
    }, delay);
    this.reconnectTimer.unref();
  }

  private wakeAll(): void {
    for (const listener of this.listeners) listener();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    await this.connecting?.catch(() => undefined);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }
}
