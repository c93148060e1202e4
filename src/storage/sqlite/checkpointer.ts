// Moves WAL checkpoints off the event loop. With auto-checkpoints the committing connection
// copies the WAL into the database file and fsyncs it inside a COMMIT, stalling every request
// for as long as that takes (hundreds of ms on a slow disk). Here a worker thread with its own
// connection runs PASSIVE checkpoints, which never block writers or readers.
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

// Eval'd so it needs no file of its own at run time (tests run the TypeScript sources).
const WORKER_SOURCE = `
const { workerData, parentPort } = require("node:worker_threads");
const Database = require(workerData.betterSqlite3);
const db = new Database(workerData.path);
db.pragma("busy_timeout = 5000");
db.pragma("synchronous = FULL");
const timer = setInterval(() => {
  try {
    db.pragma("wal_checkpoint(PASSIVE)");
  } catch (error) {
    parentPort.postMessage(String(error && error.message));
  }
}, workerData.intervalMs);
parentPort.on("message", () => {
  clearInterval(timer);
  db.close();
  process.exit(0);
});
`;

export class Checkpointer {
  private readonly worker: Worker;

  constructor(path: string, intervalMs: number, onError: (message: string) => void) {
    const betterSqlite3 = createRequire(import.meta.url).resolve("better-sqlite3");
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { path, intervalMs, betterSqlite3 } });
    this.worker.on("message", onError);
    this.worker.on("error", (error) => onError(error.message));
    // A checkpointer alone must not keep the process alive.
    this.worker.unref();
  }

  async stop(): Promise<void> {
    // Referenced again while we wait, or an otherwise idle process would exit mid-await.
    this.worker.ref();
    const exited = new Promise((resolve) => this.worker.once("exit", resolve));
    this.worker.postMessage("stop");
    await exited;
  }
}
