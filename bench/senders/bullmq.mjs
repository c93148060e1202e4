// The baseline a Node team usually builds: Fastify ingest that enqueues a BullMQ job (Redis,
// AOF everysec), and a BullMQ worker (concurrency 50, 8 attempts, exponential backoff) that
// POSTs each job to the receiver with undici. The job id is the webhook-id.
import { randomUUID } from "node:crypto";
import { Queue, Worker } from "bullmq";
import Fastify from "fastify";
import IORedis from "ioredis";
import { Pool } from "undici";

const receiver = new URL(process.env.RECEIVER_URL);
const pool = new Pool(receiver.origin, { connections: 50 });
const connection = () => new IORedis(process.env.REDIS_URL, { maxRetriesPerRequest: null });
const queueConnection = connection();
const workerConnection = connection();
const queue = new Queue("webhooks", { connection: queueConnection });

const worker = new Worker(
  "webhooks",
  async (job) => {
    const response = await pool.request({
      path: receiver.pathname,
      method: "POST",
      headers: { "content-type": "application/json", "webhook-id": job.id },
      body: JSON.stringify(job.data.payload),
      headersTimeout: 15000,
      bodyTimeout: 15000,
    });
    await response.body.dump();
    if (response.statusCode < 200 || response.statusCode >= 300) throw new Error(`HTTP ${response.statusCode}`);
  },
  // BULLMQ_PAUSED=1 (the drain scenario): jobs pile up until POST /start runs the worker.
  { connection: workerConnection, concurrency: 50, autorun: process.env.BULLMQ_PAUSED !== "1" },
);

const app = Fastify();
app.post("/msg", async (request, reply) => {
  const id = randomUUID();
  await queue.add(
    "webhook",
    { payload: request.body.payload },
    { jobId: id, attempts: 8, backoff: { type: "exponential", delay: 1000 }, removeOnComplete: true },
  );
  return reply.status(202).send({ id });
});
app.post("/start", async (_request, reply) => {
  void worker.run();
  return reply.status(204).send();
});
await app.listen({ port: 0, host: "127.0.0.1" });
process.send({ port: app.server.address().port });

// bullmq does not close connections it was given: quit them, or the process never exits.
const stop = async () => {
  await app.close();
  await worker.close();
  await queue.close();
  await Promise.all([queueConnection.quit(), workerConnection.quit()]);
  await pool.close();
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("disconnect", stop);
