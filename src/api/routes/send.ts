// /api/v1/send: a Hooklane extension for direct-URL messages (no application or endpoint
// registered first). The message lands in the reserved `direct` application, so the normal
// message and attempt routes show it.
import { Type } from "typebox";
import { invalid } from "../../lib/errors.js";
import { requireAdmin } from "../auth.js";
import type { RouteContext } from "../context.js";
import { presentMessage } from "../present.js";
import { EventTypeName, JsonObject, Opt, Uid, errorResponses } from "../schemas/common.js";
import { MessageOut } from "../schemas/message.js";
import { checkHeaders } from "../endpointInput.js";
import type { Api } from "./types.js";

const SendIn = Type.Object(
  {
    url: Type.String({ minLength: 1, maxLength: 65536, description: "Absolute http(s) URL to deliver to." }),
    payload: Opt(JsonObject),
    /** Sendhooks' name for the payload; accepted so its producers' JSON can be posted as is. */
    data: Opt(JsonObject),
    eventType: Opt(EventTypeName),
    eventId: Opt(Uid),
    headers: Opt(Type.Record(Type.String(), Type.String({ maxLength: 8192 }))),
  },
  { $id: "SendIn" },
);

export function sendRoutes(api: Api, ctx: RouteContext): void {
  api.post(
    "/send",
    {
      schema: {
        tags: ["Direct send"],
        description: "Send a message straight to a URL; it is stored, signed and retried like any other.",
        body: SendIn,
        response: { 202: MessageOut, ...errorResponses },
      },
    },
    async (request, reply) => {
      // The reserved application is shared by every direct send, so only admins may use it.
      requireAdmin(request.principal);
      const body = request.body;
      const payload = body.payload ?? body.data;
      if (payload === undefined || payload === null)
        throw invalid(["body", "payload"], "payload (or data) is required");
      if (body.headers) checkHeaders(body.headers, "headers");
      const message = await ctx.direct.send({
        url: body.url,
        payload,
        eventType: body.eventType ?? undefined,
        eventId: body.eventId,
        headers: body.headers,
        origin: { source: "api" },
      });
      return reply.status(202).send(presentMessage(message));
    },
  );
}
