// /api/v1/source: inbound sources (admin only), the requests they received, and replay.
import { Type } from "typebox";
import type { FastifyRequest } from "fastify";
import type { Source } from "../../domain/source.js";
import { conflict, notFound } from "../../lib/errors.js";
import { requireAdmin } from "../auth.js";
import { loadApp, pageQuery, type RouteContext } from "../context.js";
import { presentInboundRequest, presentPage, presentSource } from "../present.js";
import { ListResponse, PagingQuery, errorResponses } from "../schemas/common.js";
import {
  InboundRequestOut,
  InboundRequestParams,
  ReplayOut,
  SourceIn,
  SourceOut,
  SourceParams,
} from "../schemas/source.js";
import { sourceFromInput } from "../sourceInput.js";
import type { Api } from "./types.js";

const tags = ["Source"];

export function sourceRoutes(api: Api, ctx: RouteContext): void {
  const present = (source: Source): ReturnType<typeof presentSource> =>
    presentSource(source, `${ctx.publicUrl()}/in/${source.id}`);

  const loadSource = async (request: FastifyRequest, idOrUid: string): Promise<Source> => {
    requireAdmin(request.principal);
    const source = await ctx.storage.sources.get(idOrUid);
    if (!source) throw notFound("Source");
    return source;
  };

  api.get(
    "/source",
    {
      schema: { tags, querystring: Type.Object(PagingQuery), response: { 200: ListResponse(SourceOut, "SourceOut") } },
    },
    async (request) => {
      requireAdmin(request.principal);
      return presentPage(await ctx.storage.sources.list(pageQuery(request.query)), present);
    },
  );

  api.post(
    "/source",
    { schema: { tags, body: SourceIn, response: { 201: SourceOut, ...errorResponses } } },
    async (request, reply) => {
      requireAdmin(request.principal);
      const body = request.body;
      const app = await loadApp(ctx, request, body.appId);
      if (body.uid && (await ctx.storage.sources.get(body.uid))) {
        throw conflict(`A source with uid "${body.uid}" already exists`);
      }
      const source = sourceFromInput(body, app.id, ctx.clock.nowMs());
      await ctx.storage.sources.create(source);
      return reply.status(201).send(present(source));
    },
  );

  api.get(
    "/source/:source_id",
    { schema: { tags, params: SourceParams, response: { 200: SourceOut, ...errorResponses } } },
    async (request) => present(await loadSource(request, request.params.source_id)),
  );

  api.put(
    "/source/:source_id",
    { schema: { tags, params: SourceParams, body: SourceIn, response: { 200: SourceOut, ...errorResponses } } },
    async (request) => {
      const existing = await loadSource(request, request.params.source_id);
      const app = await loadApp(ctx, request, request.body.appId);
      const updated = sourceFromInput(request.body, app.id, ctx.clock.nowMs(), existing);
      await ctx.storage.sources.update(updated);
      return present(updated);
    },
  );

  api.delete("/source/:source_id", { schema: { tags, params: SourceParams } }, async (request, reply) => {
    const source = await loadSource(request, request.params.source_id);
    await ctx.storage.sources.delete(source.id);
    return reply.status(204).send();
  });

  api.get(
    "/source/:source_id/request",
    {
      schema: {
        tags,
        params: SourceParams,
        querystring: Type.Object(PagingQuery),
        response: { 200: ListResponse(InboundRequestOut, "InboundRequestOut"), ...errorResponses },
      },
    },
    async (request) => {
      const source = await loadSource(request, request.params.source_id);
      const page = await ctx.storage.sources.listRequests(source.id, pageQuery(request.query));
      return presentPage(page, presentInboundRequest);
    },
  );

  const loadRequest = async (request: FastifyRequest, params: { source_id: string; request_id: string }) => {
    const source = await loadSource(request, params.source_id);
    const received = await ctx.storage.sources.getRequest(source.id, params.request_id);
    if (!received) throw notFound("Request");
    return { source, received };
  };

  api.get(
    "/source/:source_id/request/:request_id",
    { schema: { tags, params: InboundRequestParams, response: { 200: InboundRequestOut, ...errorResponses } } },
    async (request) => presentInboundRequest((await loadRequest(request, request.params)).received),
  );

  api.post(
    "/source/:source_id/request/:request_id/replay",
    { schema: { tags, params: InboundRequestParams, response: { 202: ReplayOut, ...errorResponses } } },
    async (request, reply) => {
      const { source, received } = await loadRequest(request, request.params);
      const messageId = await ctx.inbound.replay(source, received);
      return reply.status(202).send({ messageId });
    },
  );
}
