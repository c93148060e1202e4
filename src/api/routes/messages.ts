// /api/v1/app/{app_id}/msg: publishing and reading messages.
import { Type } from "typebox";
import { invalid, notFound } from "../../lib/errors.js";
import { loadApp, loadMessage, parseTime, splitList, pageQuery, type RouteContext } from "../context.js";
import { presentMessage, presentPage } from "../present.js";
import { AppParams, ListResponse, MessageParams, PagingQuery, errorResponses } from "../schemas/common.js";
import { FilterQuery, MessageIn, MessageOut } from "../schemas/message.js";
import { requireAdmin, requireApp } from "../auth.js";
import { applicationFromInput } from "./applications.js";
import type { Api } from "./types.js";
import type { Static } from "typebox";
import type { RawBody } from "../../delivery/publish.js";
import type { Message } from "../../domain/model.js";
import { StaleRoutingError } from "../../storage/contract.js";

const tags = ["Message"];
const WithContent = Type.Object({ with_content: Type.Optional(Type.Boolean({ default: true })) });

export function messageRoutes(api: Api, ctx: RouteContext): void {
  api.post(
    "/app/:app_id/msg",
    {
      schema: {
        tags,
        params: AppParams,
        querystring: WithContent,
        body: MessageIn,
        response: { 202: MessageOut, ...errorResponses },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const deliverAt = parseTime(body.deliverAt, "deliverAt");
      if (deliverAt !== undefined && Number.isNaN(deliverAt)) throw invalid(["body", "deliverAt"], "invalid date-time");
      const publish = async (fresh: boolean): Promise<Message> => {
        // The app and its endpoints in one read (one statement on PostgreSQL, where an instance
        // keeps what it read and the storing INSERT checks it is still current).
        const routed = await ctx.storage.routing.load(request.params.app_id, { fresh });
        let app = routed?.app ?? null;
        if (!app && body.application) {
          // Svix: `application` creates the application on first use; ignored once it exists.
          requireAdmin(request.principal);
          app = applicationFromInput(body.application, ctx.clock.nowMs(), request.params.app_id);
          await ctx.storage.applications.create(app);
        }
        if (!app) throw notFound("Application");
        requireApp(request.principal, app.id);
        return ctx.publisher.publish(app, {
          eventType: body.eventType,
          payload: body.payload,
          endpoints: routed?.endpoints,
          // A fresh read is used as read, like any publish without a kept copy.
          routingGuard: fresh ? undefined : routed?.guard,
          raw: rawBody(body.transformationsParams),
          eventId: body.eventId,
          channels: body.channels,
          tags: body.tags,
          deliverAt,
          orderingKey: body.orderingKey,
          // Svix: payloadRetentionHours wins over payloadRetentionPeriod (days).
          payloadRetentionMs: body.payloadRetentionHours
            ? body.payloadRetentionHours * 3600_000
            : body.payloadRetentionPeriod
              ? body.payloadRetentionPeriod * 86400_000
              : undefined,
        });
      };
      let message: Message;
      try {
        message = await publish(false);
      } catch (error) {
        if (!(error instanceof StaleRoutingError)) throw error;
        // Another instance changed the app or its endpoints since this one read them: read
        // them afresh under the same id or uid, access checked again, and publish by that.
        message = await publish(true);
      }
      return reply.status(202).send(presentMessage(message, request.query.with_content !== false));
    },
  );

  api.get(
    "/app/:app_id/msg",
    {
      schema: {
        tags,
        params: AppParams,
        querystring: Type.Object({ ...PagingQuery, ...FilterQuery }),
        response: { 200: ListResponse(MessageOut, "MessageOut"), ...errorResponses },
      },
    },
    async (request) => {
      const app = await loadApp(ctx, request, request.params.app_id);
      const q = request.query;
      const page = await ctx.storage.messages.list(app.id, {
        ...pageQuery(q),
        eventTypes: splitList(q.event_types),
        channel: q.channel ?? undefined,
        before: parseTime(q.before, "before"),
        after: parseTime(q.after, "after"),
      });
      return presentPage(page, (m) => presentMessage(m, q.with_content !== false));
    },
  );

  api.get(
    "/app/:app_id/msg/:msg_id",
    {
      schema: {
        tags,
        params: MessageParams,
        querystring: WithContent,
        response: { 200: MessageOut, ...errorResponses },
      },
    },
    async (request) => {
      const app = await loadApp(ctx, request, request.params.app_id);
      return presentMessage(await loadMessage(ctx, app, request.params.msg_id), request.query.with_content !== false);
    },
  );

  api.delete(
    "/app/:app_id/msg/:msg_id/content",
    { schema: { tags, params: MessageParams } },
    async (request, reply) => {
      const app = await loadApp(ctx, request, request.params.app_id);
      const message = await loadMessage(ctx, app, request.params.msg_id);
      await ctx.storage.messages.expungePayload(app.id, message.id);
      return reply.status(204).send();
    },
  );
}

/** Svix's transformationsParams: a raw body and the content type to send it with. */
function rawBody(params: Static<typeof MessageIn>["transformationsParams"]): RawBody | undefined {
  const contentType = params?.headers?.["content-type"];
  if (params?.rawPayload === undefined) {
    if (contentType !== undefined) {
      throw invalid(["body", "transformationsParams", "headers"], "a content-type needs a rawPayload to go with it");
    }
    return undefined;
  }
  return { body: params.rawPayload, contentType: contentType ?? "application/json" };
}
