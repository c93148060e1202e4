// /api/v1/operational-webhook/endpoint: where Hooklane sends events about itself
// (endpoint.disabled, message.attempt.exhausted, …). Admin only. These are the endpoints of a
// reserved application (see delivery/operationalEvents.ts), so deliveries to them are signed,
// retried and listed like any other.
import { Type } from "typebox";
import { notFound } from "../../lib/errors.js";
import { requireAdmin } from "../auth.js";
import { pageQuery, type RouteContext } from "../context.js";
import {
  applyFields,
  checkHeaders,
  headersView,
  newEndpoint,
  secretView,
  withRotatedSecret,
} from "../endpointInput.js";
import { presentEndpoint, presentPage } from "../present.js";
import { ListResponse, PagingQuery, Uid, errorResponses } from "../schemas/common.js";
import {
  EndpointHeadersIn,
  EndpointHeadersOut,
  EndpointIn,
  EndpointOut,
  EndpointSecretOut,
  EndpointSecretRotateBody,
  EndpointUpdate,
} from "../schemas/endpoint.js";
import type { FastifyRequest } from "fastify";
import type { Api } from "./types.js";

const tags = ["Webhook Endpoint"];
const Params = Type.Object({ endpoint_id: Uid });
const BASE = "/operational-webhook/endpoint";

export function operationalWebhookRoutes(api: Api, ctx: RouteContext): void {
  const appFor = async (request: FastifyRequest) => {
    requireAdmin(request.principal);
    return ctx.events.operationalApp();
  };
  const load = async (request: FastifyRequest, id: string) => {
    const app = await appFor(request);
    const endpoint = await ctx.storage.endpoints.get(app.id, id);
    if (!endpoint) throw notFound("Operational webhook endpoint");
    return endpoint;
  };

  api.get(
    BASE,
    {
      schema: {
        tags,
        querystring: Type.Object(PagingQuery),
        response: { 200: ListResponse(EndpointOut, "EndpointOut") },
      },
    },
    async (request) => {
      const app = await appFor(request);
      const q = request.query;
      const page = await ctx.storage.endpoints.list(app.id, pageQuery(q));
      return presentPage(page, presentEndpoint);
    },
  );

  api.post(
    BASE,
    { schema: { tags, body: EndpointIn, response: { 201: EndpointOut, ...errorResponses } } },
    async (request, reply) => {
      const app = await appFor(request);
      const endpoint = newEndpoint(app.id, request.body, ctx.clock.nowMs());
      await ctx.storage.endpoints.create(endpoint);
      return reply.status(201).send(presentEndpoint(endpoint));
    },
  );

  api.get(
    `${BASE}/:endpoint_id`,
    { schema: { tags, params: Params, response: { 200: EndpointOut, ...errorResponses } } },
    async (request) => presentEndpoint(await load(request, request.params.endpoint_id)),
  );

  api.put(
    `${BASE}/:endpoint_id`,
    { schema: { tags, params: Params, body: EndpointUpdate, response: { 200: EndpointOut, ...errorResponses } } },
    async (request) => {
      const endpoint = await load(request, request.params.endpoint_id);
      const updated = applyFields(endpoint, {
        description: "",
        disabled: false,
        filterTypes: null,
        rateLimit: null,
        metadata: {},
        ...request.body,
      });
      updated.updatedAt = ctx.clock.nowMs();
      await ctx.storage.endpoints.update(updated);
      return presentEndpoint(updated);
    },
  );

  api.delete(`${BASE}/:endpoint_id`, { schema: { tags, params: Params } }, async (request, reply) => {
    const endpoint = await load(request, request.params.endpoint_id);
    await ctx.storage.endpoints.delete(endpoint.appId, endpoint.id);
    return reply.status(204).send();
  });

  api.get(
    `${BASE}/:endpoint_id/secret`,
    { schema: { tags, params: Params, response: { 200: EndpointSecretOut, ...errorResponses } } },
    async (request) => secretView(await load(request, request.params.endpoint_id)),
  );

  api.post(
    `${BASE}/:endpoint_id/secret/rotate`,
    { schema: { tags, params: Params, body: EndpointSecretRotateBody } },
    async (request, reply) => {
      const endpoint = await load(request, request.params.endpoint_id);
      await ctx.storage.endpoints.update(withRotatedSecret(endpoint, request.body, ctx.clock.nowMs()));
      return reply.status(204).send();
    },
  );

  api.get(
    `${BASE}/:endpoint_id/headers`,
    { schema: { tags, params: Params, response: { 200: EndpointHeadersOut, ...errorResponses } } },
    async (request) => headersView(await load(request, request.params.endpoint_id)),
  );

  api.put(
    `${BASE}/:endpoint_id/headers`,
    { schema: { tags, params: Params, body: EndpointHeadersIn } },
    async (request, reply) => {
      const endpoint = await load(request, request.params.endpoint_id);
      checkHeaders(request.body.headers, "headers");
      await ctx.storage.endpoints.update({ ...endpoint, headers: request.body.headers, updatedAt: ctx.clock.nowMs() });
      return reply.status(204).send();
    },
  );
}
