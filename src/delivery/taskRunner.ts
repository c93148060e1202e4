// Runs background tasks (replays): takes a running task no live instance holds, re-drives its
// selection batch by batch at the task's rate, and records progress with each batch, so the
// API shows how far it is and another instance carries on from the cursor if this one dies.
import { randomUUID } from "node:crypto";
import type { BackgroundTask } from "../domain/model.js";
import { Wakeable } from "../lib/async.js";
import type { Clock } from "../lib/clock.js";
import type { Logger } from "../lib/logger.js";
import type { Storage } from "../storage/contract.js";

/** A task is ours this long after each batch; a dead instance's task is taken over after it. */
const LEASE_MS = 30_000;
/** Deliveries re-driven per batch at most (fewer for slow rates, so pacing stays smooth). */
const MAX_BATCH = 200;

export class TaskRunner {
  private readonly owner = `tasks:${randomUUID().slice(0, 8)}`;
  private readonly wake = new Wakeable();
  private running = false;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly options: { pollIntervalMs: number; onRedriven: () => void },
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** A task was created here: start it now rather than at the next poll. */
  notify(): void {
    this.wake.notify();
  }

  private async run(): Promise<void> {
    while (this.running) {
      let task: BackgroundTask | null = null;
      try {
        task = await this.storage.tasks.claim(this.owner, this.clock.nowMs(), LEASE_MS);
        if (task) await this.work(task);
      } catch (error) {
        this.log.error({ err: error, taskId: task?.id }, "background task step failed; it resumes from its cursor");
      }
      if (!task) await this.wake.sleep(this.options.pollIntervalMs);
    }
  }

  private async work(task: BackgroundTask): Promise<void> {
    const batch = Math.max(1, Math.min(MAX_BATCH, Math.floor(task.ratePerSecond)));
    const pauseMs = (batch / task.ratePerSecond) * 1000;
    this.log.info({ taskId: task.id, kind: task.kind, total: task.total, done: task.done }, "background task running");
    while (this.running) {
      const started = this.clock.nowMs();
      const { taken, cursor } = await this.storage.replay.redrive(task.selection, task.cursor, batch, started);
      task = { ...task, done: Math.min(task.total, task.done + taken), cursor };
      if (taken > 0) this.options.onRedriven();
      if (cursor === null) {
        await this.storage.tasks.finish(task, this.owner, "finished", null, this.clock.nowMs());
        this.log.info({ taskId: task.id, done: task.done }, "background task finished");
        return;
      }
      if (!(await this.storage.tasks.progress(task, this.owner, this.clock.nowMs(), LEASE_MS))) {
        this.log.warn({ taskId: task.id }, "background task taken over by another instance");
        return;
      }
      // Keep to the task's rate: the batch's share of a second, less the time it took.
      await this.wake.sleep(Math.max(0, pauseMs - (this.clock.nowMs() - started)));
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake.notify();
    await this.loop;
  }
}
