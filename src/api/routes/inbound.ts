// POST /in/{source_id}: the public ingest URL of a source. No API token: the source's own
// verification scheme is the authentication. The body is read as raw bytes (never parsed and
// re-serialised), because signatures cover the exact bytes and the request is stored as sent.
import type { FastifyInstance } from "fastify";
import { Type, type Static } from "typebox";
import type { ReceiveResult } from "../../inbound/receive.js";
import type { RouteContext } from "../context.js";
import { HttpErrorOut, SourceIdParam } from "../schemas/common.js";
import type { Api } from "./types.js";

const InboundAccepted = Type.Object(
  {
    id: Type.String({ description: "The stored request (the original one for a duplicate)." }),
    messageId: Type.String(),
    duplicate: Type.Boolean({ description: "True when this delivery id was already received." }),
  },
  { $id: "InboundAcceptedOut" },
);

type Answer =
  | { status: 200; body: Static<typeof InboundAccepted> }
  | { status: 401 | 404 | 413 | 429; body: Static<typeof HttpErrorOut>; headers?: Record<string, string> };

function answer(result: ReceiveResult): Answer {
  switch (result.kind) {
    case "accepted":
      return { status: 200, body: { id: result.requestId, messageId: result.messageId, duplicate: false } };
    case "duplicate":
      return { status: 200, body: { id: result.requestId, messageId: result.messageId, duplicate: true } };
    case "unauthorized":
      return { status: 401, body: { code: "unauthorized", detail: result.reason } };
    case "too_large":
      return {
        status: 413,
        body: { code: "payload_too_large", detail: `This source accepts bodies up to ${result.limitBytes} bytes` },
      };
    case "rate_limited":
      return {
        status: 429,
        body: { code: "rate_limited", detail: "Too many requests for this source" },
        headers: { "retry-after": String(result.retryAfterSeconds) },
      };
    case "not_found":
      return { status: 404, body: { code: "not_found", detail: "Source not found" } };
  }
}

export async function inboundRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  // Scoped to this plugin: the API's JSON parsing stays as it is. Any content type (or none)
  // arrives as a Buffer, up to the server's body limit (larger: 413 from the error handler).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "buffer", bodyLimit: ctx.config.bodyLimitBytes }, (_request, body, done) =>
    done(null, body),
  );
  const api = app as unknown as Api;
  api.post(
    "/:source_id",
    {
      schema: {
        tags: ["Source"],
        summary: "Receive a webhook for a source",
        params: SourceIdParam,
        security: [],
        response: { 200: InboundAccepted, 401: HttpErrorOut, 404: HttpErrorOut, 413: HttpErrorOut, 429: HttpErrorOut },
      },
    },
    async (request, reply) => {
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const result = await ctx.inbound.receive(request.params.source_id, request.headers, body);
      const out = answer(result);
      if (out.status === 200) return reply.status(200).send(out.body);
      if (out.headers) void reply.headers(out.headers);
      return reply.status(out.status).send(out.body);
    },
  );
}
