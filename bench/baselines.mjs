// The alternatives Hooklane is measured against, each as a child process with the same HTTP
// ingest shape (POST /msg {payload} → 202 {id}) and the id sent as `webhook-id`:
//   - bullmq: the usual hand-made sender, a BullMQ queue (Redis with AOF everysec, in its own
//     redis-server on another port so the shared Redis is untouched) and a worker with
//     concurrency 50, 8 attempts with exponential backoff, posting with undici;
//   - fire-and-forget: no durability at all, the handler answers and POSTs straight on.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";

const REDIS_PORT = Number(process.env.BENCH_REDIS_PORT ?? 6391);

async function startRedis() {
  const dir = mkdtempSync(join(tmpdir(), "hooklane-bench-redis-"));
  const child = spawn(
    "redis-server",
    ["--port", String(REDIS_PORT), "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes"].concat([
      "--appendfsync",
      "everysec",
      "--dir",
      dir,
    ]),
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  await new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`redis-server exited with ${code}`)));
    child.stdout.on("data", (chunk) => {
      if (chunk.toString().includes("Ready to accept connections")) resolve();
    });
  });
  return {
    url: `redis://127.0.0.1:${REDIS_PORT}`,
    pid: child.pid,
    stop: () =>
      new Promise((resolve) => {
        child.once("exit", resolve);
        child.kill("SIGTERM");
      }).then(() => rmSync(dir, { recursive: true, force: true })),
  };
}

/** Forks `bench/senders/<name>.mjs`, which answers with its port once it listens. */
async function startSender(name, env) {
  const child = fork(fileURLToPath(new URL(`./senders/${name}.mjs`, import.meta.url)), [], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const { port } = await new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`${name} exited with ${code}`)));
    child.once("message", resolve);
  });
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid,
    stop: () => new Promise((r) => (child.once("exit", r), child.kill())),
  };
}

export async function startBullmq(receiverUrl, { paused = false } = {}) {
  const redis = await startRedis();
  const sender = await startSender("bullmq", {
    REDIS_URL: redis.url,
    RECEIVER_URL: receiverUrl,
    BULLMQ_PAUSED: paused ? "1" : "0",
  });
  return {
    urls: [sender.url],
    pids: [sender.pid],
    // Redis does part of this system's work: count its CPU with the sender's.
    cpuPids: [sender.pid, redis.pid],
    /** Paused: starts the worker on the jobs stored so far. */
    startSending: () => fetch(`${sender.url}/start`, { method: "POST" }),
    async stop() {
      await sender.stop();
      await redis.stop();
    },
  };
}

export async function startFireAndForget(receiverUrl) {
  const sender = await startSender("fireAndForget", { RECEIVER_URL: receiverUrl });
  return { urls: [sender.url], pids: [sender.pid], stop: () => sender.stop() };
}
