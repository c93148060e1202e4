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

  // Callback-style hooks that return at once for the usual request without a key: an async
  // hook costs a promise and a microtask turn per request even when it has nothing to do.
  const preHandler = (request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void): void => {
    const header = request.headers["idempotency-key"];
    if (typeof header !== "string" || header === "" || !request.principal) return done();
    // A replayed or refused request is answered here, and then done() must not be called.
    replayOrClaim(request, reply, header).then((answered) => answered || done(), done);
  };

  /** Answers a replay or a concurrent duplicate (true), or marks the request as the first. */
  const replayOrClaim = async (request: FastifyRequest, reply: FastifyReply, header: string): Promise<boolean> => {
    const key = createHash("sha256")
      .update(`${principalKey(request)}\n${request.url}\n${header}`)
      .digest("hex");
    const stored = await storage.idempotency.get(key, clock.nowMs() - ttlSeconds * 1000);
    if (stored) {
      reply
        .status(stored.statusCode)
        .header("content-type", "application/json; charset=utf-8")
        .header("idempotent-replayed", "true")
        .send(stored.body);
      return true;
    }
    if (inFlight.has(key)) {
      reply
        .status(409)
        .send({ code: "conflict", detail: "A request with this idempotency-key is still being processed" });
      return true;
    }
    inFlight.add(key);
    (request as WithKey)[STATE] = key;
    return false;
  };

  const onSend = (
    request: FastifyRequest,
    reply: FastifyReply,
    payload: unknown,
    done: (error: Error | null, payload?: unknown) => void,
  ): void => {
    const key = (request as WithKey)[STATE];
    if (!key || reply.statusCode < 200 || reply.statusCode >= 300) return done(null, payload);
    storage.idempotency
      .put({
        key,
        statusCode: reply.statusCode,
        body: typeof payload === "string" ? payload : "",
        createdAt: clock.nowMs(),
      })
      .then(
        () => done(null, payload),
        (error: Error) => done(error),
      );
  };

  const onResponse = (request: FastifyRequest, _reply: FastifyReply, done: () => void): void => {
    const key = (request as WithKey)[STATE];
    if (key) inFlight.delete(key);
    done();
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
