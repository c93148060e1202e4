// What durability costs, measured: a non-durable sender whose handler answers 202 and POSTs
// the payload straight to the receiver. A crash loses whatever is in flight; nothing retries.
import { randomUUID } from "node:crypto";
import Fastify from "fastify";
import { Pool } from "undici";

const receiver = new URL(process.env.RECEIVER_URL);
const pool = new Pool(receiver.origin, { connections: 64 });

const app = Fastify();
app.post("/msg", async (request, reply) => {
  const id = randomUUID();
  const body = JSON.stringify(request.body.payload);
  pool
    .request({
      path: receiver.pathname,
      method: "POST",
      headers: { "content-type": "application/json", "webhook-id": id },
      body,
    })
    .then((response) => response.body.dump())
    .catch(() => undefined);
  return reply.status(202).send({ id });
});
await app.listen({ port: 0, host: "127.0.0.1" });
process.send({ port: app.server.address().port });
const stop = () => process.exit(0);
process.on("SIGTERM", stop);
process.on("disconnect", stop);
