// Attempts and delivery state: /attempt/msg, /attempt/endpoint, attempted destinations and
// messages, resend.
import { Type, type Static } from "typebox";
import type { MessageStatus } from "../../domain/model.js";
import { notFound } from "../../lib/errors.js";
import { loadApp, loadEndpoint, loadMessage, parseTime, splitList, pageQuery, type RouteContext } from "../context.js";
import { requireVerified } from "../endpointInput.js";
import {
  presentAttempt,
  presentEndpointMessage,
  presentMessage,
  presentMessageEndpoint,
  presentPage,
} from "../present.js";
import {
  EndpointParams,
  ListResponse,
  MessageParams,
  MessageStatusSchema,
  Opt,
  PagingQuery,
  Uid,
  errorResponses,
} from "../schemas/common.js";
import { EndpointMessageOut, FilterQuery, MessageAttemptOut, MessageEndpointOut } from "../schemas/message.js";
import type { AttemptFilter } from "../../storage/contract.js";
import type { Api } from "./types.js";

const tags = ["Message Attempt"];

const StatusCodeClass = Type.Union([
  Type.Literal(0),
  Type.Literal(100),
  Type.Literal(200),
  Type.Literal(300),
  Type.Literal(400),
  Type.Literal(500),
]);
const AttemptQuery = Type.Object({
  ...PagingQuery,
  ...FilterQuery,
  status: Opt(MessageStatusSchema),
  status_code_class: Opt(StatusCodeClass),
  endpoint_id: Opt(Uid),
});

type AttemptQueryValue = Static<typeof AttemptQuery>;

function attemptFilter(q: AttemptQueryValue): AttemptFilter {
  return {
    ...pageQuery(q),
    status: (q.status ?? undefined) as MessageStatus | undefined,
    statusCodeClass: q.status_code_class ?? undefined,
    eventTypes: splitList(q.event_types),
    channel: q.channel ?? undefined,
    before: parseTime(q.before, "before"),
    after: parseTime(q.after, "after"),
  };
}

export function attemptRoutes(api: Api, ctx: RouteContext): void {
  const AttemptList = ListResponse(MessageAttemptOut, "MessageAttemptOut");

  api.get(
    "/app/:app_id/attempt/msg/:msg_id",
    {
      schema: {
        tags,
        params: MessageParams,
        querystring: AttemptQuery,
        response: { 200: AttemptList, ...errorResponses },
      },
    },
    async (request) => {
      const app = await loadApp(ctx, request, request.params.app_id);
      const message = await loadMessage(ctx, app, request.params.msg_id);
      const filter = attemptFilter(request.query);
      if (request.query.endpoint_id) filter.endpointId = (await loadEndpoint(ctx, app, request.query.endpoint_id)).id;
      const page = await ctx.storage.attempts.listForMessage(app.id, message.id, filter);
      return presentPage(page, (a) => presentAttempt(a, request.query.with_content !== false));
    },
  );

  api.get(
    "/app/:app_id/attempt/endpoint/:endpoint_id",
    {
      schema: {
        tags,
        params: EndpointParams,
        querystring: AttemptQuery,
        response: { 200: AttemptList, ...errorResponses },
      },
    },
    async (request) => {
      const app = await loadApp(ctx, request, request.params.app_id);
      const endpoint = await loadEndpoint(ctx, app, request.params.endpoint_id);
      const page = await ctx.storage.attempts.listForEndpoint(app.id, endpoint.id, attemptFilter(request.query));
      return presentPage(page, (a) => presentAttempt(a, request.query.with_content !== false));
    },
  );

  api.get(
    "/app/:app_id/msg/:msg_id/attempt/:attempt_id",
    {
      schema: {
        tags,
        params: Type.Object({ app_id: Uid, msg_id: Uid, attempt_id: Uid }),
        response: { 200: MessageAttemptOut, ...errorResponses },
      },
    },
    async (request) => {
      const app = await loadApp(ctx, request, request.params.app_id);
      const message = await loadMessage(ctx, app, request.params.msg_id);
      const attempt = await ctx.storage.attempts.get(app.id, message.id, request.params.attempt_id);
      if (!attempt) throw notFound("Message attempt");
      return { ...presentAttempt(attempt), msg: presentMessage(message) };
    },
  );

  api.delete(
    "/app/:app_id/msg/:msg_id/attempt/:attempt_id/content",
    { schema: { tags, params: Type.Object({ app_id: Uid, msg_id: Uid, attempt_id: Uid }) } },
    async (request, reply) => {
      const app = await loadApp(ctx, request, request.params.app_id);
      const message = await loadMessage(ctx, app, request.params.msg_id);
      const attempt = await ctx.storage.attempts.get(app.id, message.id, request.params.attempt_id);
      if (!attempt) throw notFound("Message attempt");
      await ctx.storage.attempts.expungeResponse(app.id, message.id, attempt.id);
      return reply.status(204).send();
    },
  );

  api.get(
    "/app/:app_id/msg/:msg_id/endpoint",
    {
      schema: {
        tags,
        params: MessageParams,
        querystring: Type.Object(PagingQuery),
        response: { 200: ListResponse(MessageEndpointOut, "MessageEndpointOut"), ...errorResponses },
      },
    },
    async (request) => {
      const app = await loadApp(ctx, request, request.params.app_id);
      const message = await loadMessage(ctx, app, request.params.msg_id);
      const page = await ctx.storage.deliveries.listForMessage(app.id, message.id, pageQuery(request.query));
      return presentPage(page, (row) => presentMessageEndpoint(row.endpoint, row.delivery));
    },
  );

  api.get(
    "/app/:app_id/endpoint/:endpoint_id/msg",
    {
      schema: {
        tags,
        params: EndpointParams,
        querystring: Type.Object({ ...PagingQuery, ...FilterQuery, status: Opt(MessageStatusSchema) }),
        response: { 200: ListResponse(EndpointMessageOut, "EndpointMessageOut"), ...errorResponses },
      },
    },
    async (request) => {
      const app = await loadApp(ctx, request, request.params.app_id);
      const endpoint = await loadEndpoint(ctx, app, request.params.endpoint_id);
      const q = request.query;
      const page = await ctx.storage.deliveries.listForEndpoint(app.id, endpoint.id, {
        ...pageQuery(q),
        status: (q.status ?? undefined) as MessageStatus | undefined,
        eventTypes: splitList(q.event_types),
        channel: q.channel ?? undefined,
        before: parseTime(q.before, "before"),
        after: parseTime(q.after, "after"),
      });
      return presentPage(page, (row) => presentEndpointMessage(row.message, row.delivery, q.with_content !== false));
    },
  );

  api.post(
    "/app/:app_id/msg/:msg_id/endpoint/:endpoint_id/resend",
    {
      schema: {
        tags,
        params: Type.Object({ app_id: Uid, msg_id: Uid, endpoint_id: Uid }),
        response: { 202: Type.Object({}), ...errorResponses },
      },
    },
    async (request, reply) => {
      const app = await loadApp(ctx, request, request.params.app_id);
      const message = await loadMessage(ctx, app, request.params.msg_id);
      const endpoint = await loadEndpoint(ctx, app, request.params.endpoint_id);
      requireVerified(endpoint);
      await ctx.storage.deliveries.resend(app.id, message.id, endpoint.id, ctx.clock.nowMs());
      ctx.publisher.notifyWork();
      return reply.status(202).send({});
    },
  );
}
