// Signs and sends delivery requests in a worker thread. On the event loop that also parses
// publishes and runs SQLite, undici's share of a delivery (writing the request, parsing the
// response, its timers) was about a sixth of the main thread's time at full load, and signing
// a further twentieth, while the second core had time to spare (docs/benchmarks.md). Requests
// cross in batches, one message per turn of either loop, as plain data (DeliveryRequest: the
// endpoint's URL, headers and secrets, the message's id, headers and payload).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { TurnBatch } from "../lib/async.js";
import type { Logger } from "../lib/logger.js";
import type { RequestSender, SendResult, SenderSettings } from "./httpSender.js";
import type { DeliveryRequest } from "./outboundRequest.js";

export type ThreadRequest = [id: number, request: DeliveryRequest];
export type ThreadResult = [id: number, result: SendResult];

/**
 * The thread's entry, compiled. Tests run the TypeScript sources, which a worker thread cannot
 * load, so from a .ts module this points at the build (`npm test` builds first).
 */
function threadEntry(): string {
  const self = fileURLToPath(import.meta.url);
  const entry = self.endsWith(".ts")
    ? self.replace(/src([/\\])delivery[/\\]threadedSender\.ts$/, "dist$1delivery$1senderThread.js")
    : self.replace(/threadedSender\.js$/, "senderThread.js");
  if (!existsSync(entry)) throw new Error(`the sender thread's code is missing (${entry}); run npm run build`);
  return entry;
}

export class ThreadedSender implements RequestSender {
  private readonly entry = threadEntry();
  /** Started on the first send, and again on the next send after the thread died. */
  private worker: Worker | undefined;
  private nextId = 0;
  private readonly pending = new Map<number, (result: SendResult) => void>();
  /** Sends started in one turn of the event loop go to the thread in one message. */
  private readonly batch = new TurnBatch<ThreadRequest>((requests) => this.worker?.postMessage(requests));
  private closed = false;

  constructor(
    private readonly settings: SenderSettings,
    private readonly log: Logger,
  ) {}

  deliver(request: DeliveryRequest): Promise<SendResult> {
    if (this.closed) return Promise.resolve({ kind: "error", reason: "the sender is closed", durationMs: 0 });
    const worker = (this.worker ??= this.start());
    return new Promise((resolve) => {
      const id = ++this.nextId;
      this.pending.set(id, resolve);
      if (this.pending.size === 1) worker.ref();
      this.batch.add([id, request]);
    });
  }

  private start(): Worker {
    const worker = new Worker(this.entry, { workerData: this.settings });
    worker.on("message", (results: ThreadResult[]) => {
      for (const [id, result] of results) {
        const resolve = this.pending.get(id);
        this.pending.delete(id);
        resolve?.(result);
      }
      // Idle, the thread must not keep the process alive.
      if (this.pending.size === 0) worker.unref();
    });
    worker.on("error", (error) => this.died(worker, `the sender thread failed: ${error.message}`));
    worker.on("exit", () => this.died(worker, "the sender thread exited"));
    return worker;
  }

  /**
   * The thread died (a bug): what it had not answered fails like a lost connection, so those
   * deliveries are retried on their schedule, and the next send starts a new thread.
   */
  private died(worker: Worker, reason: string): void {
    if (worker !== this.worker) return;
    this.worker = undefined;
    this.batch.clear();
    const failed = [...this.pending.values()];
    this.pending.clear();
    if (!this.closed) {
      this.log.error(
        { reason, failed: failed.length },
        "the sender thread stopped; a new one starts with the next send",
      );
    }
    for (const resolve of failed) resolve({ kind: "error", reason, durationMs: 0 });
  }

  /** Lets the requests in flight finish (their results arrive as usual), then ends the thread. */
  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    if (!worker) return;
    worker.ref();
    const exited = new Promise((resolve) => worker.once("exit", resolve));
    this.batch.flush();
    worker.postMessage("close");
    await exited;
  }
}
