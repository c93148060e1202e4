// /api/v1/event-type: the event-type catalogue.
import { Type } from "typebox";
import type { EventType } from "../../domain/model.js";
import { notFound } from "../../lib/errors.js";
import { requireAdmin } from "../auth.js";
import { pageQuery, type RouteContext } from "../context.js";
import { presentEventType, presentPage } from "../present.js";
import { EventTypeName, ListResponse, PagingQuery, errorResponses } from "../schemas/common.js";
import { EventTypeIn, EventTypeOut, EventTypePatch, EventTypeUpdate } from "../schemas/eventType.js";
import type { Api } from "./types.js";

const tags = ["Event Type"];
const Params = Type.Object({ event_type_name: EventTypeName });

export function eventTypeRoutes(api: Api, ctx: RouteContext): void {
  const load = async (name: string): Promise<EventType> => {
    const eventType = await ctx.storage.eventTypes.get(name);
    if (!eventType) throw notFound("Event type");
    return eventType;
  };

  api.get(
    "/event-type",
    {
      schema: {
        tags,
        querystring: Type.Object({
          ...PagingQuery,
          include_archived: Type.Optional(Type.Boolean({ default: false })),
          with_content: Type.Optional(Type.Boolean({ default: false })),
        }),
        response: { 200: ListResponse(EventTypeOut, "EventTypeOut") },
      },
    },
    async (request) => {
      // Any token may read the catalogue: portal users pick event types from it.
      const q = request.query;
      const page = await ctx.storage.eventTypes.list({ ...pageQuery(q), includeArchived: q.include_archived === true });
      return presentPage(page, (e) => presentEventType(e, q.with_content === true));
    },
  );

  api.post(
    "/event-type",
    { schema: { tags, body: EventTypeIn, response: { 201: EventTypeOut, ...errorResponses } } },
    async (request, reply) => {
      requireAdmin(request.principal);
      const now = ctx.clock.nowMs();
      const b = request.body;
      const eventType: EventType = {
        name: b.name,
        description: b.description,
        schemas: b.schemas ?? null,
        archived: b.archived ?? false,
        deprecated: b.deprecated ?? false,
        featureFlag: b.featureFlag ?? null,
        createdAt: now,
        updatedAt: now,
      };
      await ctx.storage.eventTypes.create(eventType);
      return reply.status(201).send(presentEventType(eventType));
    },
  );

  api.get(
    "/event-type/:event_type_name",
    { schema: { tags, params: Params, response: { 200: EventTypeOut, ...errorResponses } } },
    async (request) => presentEventType(await load(request.params.event_type_name)),
  );

  api.put(
    "/event-type/:event_type_name",
    {
      schema: {
        tags,
        params: Params,
        body: EventTypeUpdate,
        response: { 200: EventTypeOut, 201: EventTypeOut, ...errorResponses },
      },
    },
    async (request, reply) => {
      requireAdmin(request.principal);
      const now = ctx.clock.nowMs();
      const b = request.body;
      const existing = await ctx.storage.eventTypes.get(request.params.event_type_name);
      const eventType: EventType = {
        name: request.params.event_type_name,
        description: b.description,
        schemas: b.schemas ?? null,
        archived: b.archived ?? false,
        deprecated: b.deprecated ?? false,
        featureFlag: b.featureFlag ?? null,
        createdAt: existing?.createdAt ?? now,
        updatedAt: now,
      };
      if (existing) await ctx.storage.eventTypes.update(eventType);
      else await ctx.storage.eventTypes.create(eventType);
      return reply.status(existing ? 200 : 201).send(presentEventType(eventType));
    },
  );

  api.patch(
    "/event-type/:event_type_name",
    { schema: { tags, params: Params, body: EventTypePatch, response: { 200: EventTypeOut, ...errorResponses } } },
    async (request) => {
      requireAdmin(request.principal);
      const current = await load(request.params.event_type_name);
      const b = request.body;
      const updated: EventType = {
        ...current,
        description: b.description ?? current.description,
        schemas: b.schemas !== undefined ? b.schemas : current.schemas,
        archived: b.archived ?? current.archived,
        deprecated: b.deprecated ?? current.deprecated,
        featureFlag: b.featureFlag !== undefined ? b.featureFlag : current.featureFlag,
        updatedAt: ctx.clock.nowMs(),
      };
      await ctx.storage.eventTypes.update(updated);
      return presentEventType(updated);
    },
  );

  api.delete(
    "/event-type/:event_type_name",
    {
      schema: {
        tags,
        params: Params,
        querystring: Type.Object({ expunge: Type.Optional(Type.Boolean({ default: false })) }),
      },
    },
    async (request, reply) => {
      requireAdmin(request.principal);
      const current = await load(request.params.event_type_name);
      // Svix archives by default and removes only with expunge=true.
      if (request.query.expunge) await ctx.storage.eventTypes.delete(current.name);
      else await ctx.storage.eventTypes.update({ ...current, archived: true, updatedAt: ctx.clock.nowMs() });
      return reply.status(204).send();
    },
  );
}
