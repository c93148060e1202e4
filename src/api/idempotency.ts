// `idempotency-key` on POST: the first response (2xx) is stored and replayed for the same key
// and token, so a client retrying after a lost response does not create a second message.
// A duplicate arriving while the first is still being handled gets 409.
import { createHash } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Clock } from "../lib/clock.js";
import type { Storage } from "../storage/contract.js";

const STATE = Symbol("idempotencyKey");

type WithKey = FastifyRequest & { [STATE]?: string };

function principalKey(request: FastifyRequest): string {
  const p = request.principal;
  return p.kind === "admin" ? "admin" : `app:${p.appId}`;
}

const asArray = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

export function registerIdempotency(app: FastifyInstance, storage: Storage, clock: Clock, ttlSeconds: number): void {
  const inFlight = new Set<string>();

  const preHandler = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const header = request.headers["idempotency-key"];
    if (typeof header !== "string" || header === "" || !request.principal) return;
    const key = createHash("sha256")
      .update(`${principalKey(request)}\n${request.url}\n${header}`)
      .digest("hex");
    const stored = await storage.idempotency.get(key, clock.nowMs() - ttlSeconds * 1000);
    if (stored) {
      return reply
        .status(stored.statusCode)
        .header("content-type", "application/json; charset=utf-8")
        .header("idempotent-replayed", "true")
        .send(stored.body);
    }
    if (inFlight.has(key)) {
      return reply
        .status(409)
        .send({ code: "conflict", detail: "A request with this idempotency-key is still being processed" });
    }
    inFlight.add(key);
    (request as WithKey)[STATE] = key;
  };

  const onSend = async (request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> => {
    const key = (request as WithKey)[STATE];
    if (!key) return payload;
    if (reply.statusCode >= 200 && reply.statusCode < 300) {
      await storage.idempotency.put({
        key,
        statusCode: reply.statusCode,
        body: typeof payload === "string" ? payload : "",
        createdAt: clock.nowMs(),
      });
    }
    return payload;
  };

  const onResponse = async (request: FastifyRequest): Promise<void> => {
    const key = (request as WithKey)[STATE];
    if (key) inFlight.delete(key);
  };

  // Only POST routes carry the hooks: every hook costs on every request it is attached to.
  app.addHook("onRoute", (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (!methods.includes("POST")) return;
    route.preHandler = [...asArray(route.preHandler), preHandler];
    route.onSend = [...asArray(route.onSend), onSend];
    route.onResponse = [...asArray(route.onResponse), onResponse];
  });
}
