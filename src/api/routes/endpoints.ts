// /api/v1/app/{app_id}/endpoint: endpoints, their headers, secrets, stats and recovery.
import { Type } from "typebox";
import { invalid, notFound } from "../../lib/errors.js";
import { newId } from "../../lib/ids.js";
import {
  announce,
  announceUpdate,
  applyFields,
  checkHeaders,
  headersView,
  newEndpoint,
  secretView,
  withRotatedSecret,
  withVerification,
  requireVerified,
  checkStarted,
} from "../endpointInput.js";
import { loadApp, loadEndpoint, parseTime, pageQuery, type RouteContext } from "../context.js";
import { presentEndpoint, presentHealth, presentMessage, presentPage } from "../present.js";
import { EndpointParams, AppParams, ListResponse, PagingQuery, errorResponses } from "../schemas/common.js";
import {
  EndpointHeadersIn,
  EndpointHeadersOut,
  EndpointHeadersPatchIn,
  EndpointIn,
  EndpointOut,
  EndpointPatch,
  EndpointSecretOut,
  EndpointSecretRotateBody,
  EndpointStats,
  EndpointUpdate,
  EventExampleIn,
  RecoverIn,
  RecoverOut,
  StatsQuery,
} from "../schemas/endpoint.js";
import { MessageOut } from "../schemas/message.js";
import type { Api } from "./types.js";

const tags = ["Endpoint"];

export function endpointRoutes(api: Api, ctx: RouteContext): void {
  api.get(
    "/app/:app_id/endpoint",
    {
      schema: {
        tags,
        params: AppParams,
        querystring: Type.Object(PagingQuery),
        response: { 200: ListResponse(EndpointOut, "EndpointOut") },
      },
    },
    async (request) => {
      const app = await loadApp(ctx, request, request.params.app_id);
      const q = request.query;
      const page = await ctx.storage.endpoints.list(app.id, pageQuery(q));
      return presentPage(page, presentEndpoint);
    },
  );

  api.post(
    "/app/:app_id/endpoint",
    { schema: { tags, params: AppParams, body: EndpointIn, response: { 201: EndpointOut, ...errorResponses } } },
    async (request, reply) => {
      const app = await loadApp(ctx, request, request.params.app_id);
      const endpoint = withVerification(app, null, newEndpoint(app.id, request.body, ctx.clock.nowMs()));
      await ctx.storage.endpoints.create(endpoint);
      announce(ctx, "endpoint.created", endpoint);
      return reply.status(201).send(presentEndpoint(await checkStarted(ctx, null, endpoint)));
    },
  );

  api.get(
    "/app/:app_id/endpoint/:endpoint_id",
    { schema: { tags, params: EndpointParams, response: { 200: EndpointOut, ...errorResponses } } },
    async (request) => {
      const app = await loadApp(ctx, request, request.params.app_id);
      return presentEndpoint(await loadEndpoint(ctx, app, request.params.endpoint_id));
    },
  );

  api.put(
    "/app/:app_id/endpoint/:endpoint_id",
    {
      schema: {
        tags,
        params: EndpointParams,
        body: EndpointUpdate,
        response: { 200: EndpointOut, 201: EndpointOut, ...errorResponses },
      },
    },
    async (request, reply) => {
      const app = await loadApp(ctx, request, request.params.app_id);
      const now = ctx.clock.nowMs();
      const existing = await ctx.storage.endpoints.get(app.id, request.params.endpoint_id);
      if (!existing) {
        // PUT on an unknown uid creates the endpoint, as in Svix; an unknown ep_ id is a 404.
        if (request.params.endpoint_id.startsWith("ep_")) throw notFound("Endpoint");
        const created = withVerification(app, null, newEndpoint(app.id, request.body, now, request.params.endpoint_id));
        await ctx.storage.endpoints.create(created);
        announce(ctx, "endpoint.created", created);
        return reply.status(201).send(presentEndpoint(await checkStarted(ctx, null, created)));
      }
      // PUT replaces: fields left out go back to their defaults.
      const body = request.body;
      const replaced = applyFields(existing, {
        description: "",
        disabled: false,
        filterTypes: null,
        channels: null,
        rateLimit: null,
        metadata: {},
        ...body,
      });
      const updated = withVerification(app, existing, { ...replaced, updatedAt: now });
      await ctx.storage.endpoints.update(updated);
      announceUpdate(ctx, existing, updated);
      return presentEndpoint(await checkStarted(ctx, existing, updated));
    },
  );

  api.patch(
    "/app/:app_id/endpoint/:endpoint_id",
    {
      schema: { tags, params: EndpointParams, body: EndpointPatch, response: { 200: EndpointOut, ...errorResponses } },
    },
    async (request) => {
      const app = await loadApp(ctx, request, request.params.app_id);
      const endpoint = await loadEndpoint(ctx, app, request.params.endpoint_id);
      const patched = { ...applyFields(endpoint, request.body), updatedAt: ctx.clock.nowMs() };
      const updated = withVerification(app, endpoint, patched);
      await ctx.storage.endpoints.update(updated);
      announceUpdate(ctx, endpoint, updated);
      return presentEndpoint(await checkStarted(ctx, endpoint, updated));
    },
  );

  api.post(
    "/app/:app_id/endpoint/:endpoint_id/verify",
    {
      schema: {
        tags,
        params: EndpointParams,
        description:
          "Sends an unverified endpoint its verification challenge again and returns the endpoint with the outcome; a verified endpoint is returned as is.",
        response: { 200: EndpointOut, ...errorResponses },
      },
    },
    async (request) => {
      const app = await loadApp(ctx, request, request.params.app_id);
      return presentEndpoint(await ctx.verifier.check(await loadEndpoint(ctx, app, request.params.endpoint_id)));
    },
  );

  api.delete(
    "/app/:app_id/endpoint/:endpoint_id",
    { schema: { tags, params: EndpointParams } },
    async (request, reply) => {
      const app = await loadApp(ctx, request, request.params.app_id);
      const endpoint = await loadEndpoint(ctx, app, request.params.endpoint_id);
      await ctx.storage.endpoints.delete(app.id, endpoint.id);
      announce(ctx, "endpoint.deleted", endpoint);
      return reply.status(204).send();
    },
  );

  api.get(
    "/app/:app_id/endpoint/:endpoint_id/headers",
    { schema: { tags, params: EndpointParams, response: { 200: EndpointHeadersOut, ...errorResponses } } },
    async (request) => {
      const app = await loadApp(ctx, request, request.params.app_id);
      const endpoint = await loadEndpoint(ctx, app, request.params.endpoint_id);
      return headersView(endpoint);
    },
  );

  api.put(
    "/app/:app_id/endpoint/:endpoint_id/headers",
    { schema: { tags, params: EndpointParams, body: EndpointHeadersIn } },
    async (request, reply) => {
      const app = await loadApp(ctx, request, request.params.app_id);
      const endpoint = await loadEndpoint(ctx, app, request.params.endpoint_id);
      checkHeaders(request.body.headers, "headers");
      await ctx.storage.endpoints.update({ ...endpoint, headers: request.body.headers, updatedAt: ctx.clock.nowMs() });
      return reply.status(204).send();
    },
  );

  api.patch(
    "/app/:app_id/endpoint/:endpoint_id/headers",
    { schema: { tags, params: EndpointParams, body: EndpointHeadersPatchIn } },
    async (request, reply) => {
      const app = await loadApp(ctx, request, request.params.app_id);
      const endpoint = await loadEndpoint(ctx, app, request.params.endpoint_id);
      checkHeaders(request.body.headers, "headers");
      const headers = { ...endpoint.headers };
      for (const [name, value] of Object.entries(request.body.headers)) {
        if (value === null) delete headers[name];
        else headers[name] = value;
      }
      await ctx.storage.endpoints.update({ ...endpoint, headers, updatedAt: ctx.clock.nowMs() });
      return reply.status(204).send();
    },
  );

  api.get(
    "/app/:app_id/endpoint/:endpoint_id/secret",
    { schema: { tags, params: EndpointParams, response: { 200: EndpointSecretOut, ...errorResponses } } },
    async (request) => {
      const app = await loadApp(ctx, request, request.params.app_id);
      return secretView(await loadEndpoint(ctx, app, request.params.endpoint_id));
    },
  );

  api.post(
    "/app/:app_id/endpoint/:endpoint_id/secret/rotate",
    { schema: { tags, params: EndpointParams, body: EndpointSecretRotateBody } },
    async (request, reply) => {
      const app = await loadApp(ctx, request, request.params.app_id);
      const endpoint = await loadEndpoint(ctx, app, request.params.endpoint_id);
      await ctx.storage.endpoints.update(withRotatedSecret(endpoint, request.body, ctx.clock.nowMs()));
      return reply.status(204).send();
    },
  );

  api.get(
    "/app/:app_id/endpoint/:endpoint_id/stats",
    {
      schema: {
        tags,
        params: EndpointParams,
        querystring: StatsQuery,
        response: { 200: EndpointStats, ...errorResponses },
      },
    },
    async (request) => {
      const app = await loadApp(ctx, request, request.params.app_id);
      const endpoint = await loadEndpoint(ctx, app, request.params.endpoint_id);
      const now = ctx.clock.nowMs();
      const stats = await ctx.storage.deliveries.stats(
        endpoint.id,
        { after: parseTime(request.query.since, "since"), before: parseTime(request.query.until, "until") },
        now,
      );
      return { ...stats, health: presentHealth(endpoint, now) };
    },
  );

  api.post(
    "/app/:app_id/endpoint/:endpoint_id/recover",
    { schema: { tags, params: EndpointParams, body: RecoverIn, response: { 202: RecoverOut, ...errorResponses } } },
    async (request, reply) => {
      const app = await loadApp(ctx, request, request.params.app_id);
      const endpoint = await loadEndpoint(ctx, app, request.params.endpoint_id);
      const now = ctx.clock.nowMs();
      const since = parseTime(request.body.since, "since")!;
      const until = parseTime(request.body.until, "until") ?? now;
      if (until < since) throw invalid(["body", "until"], "must not be before since");
      requireVerified(endpoint);
      const recovered = await ctx.storage.deliveries.recover(endpoint.id, since, until, now);
      if (recovered > 0) ctx.publisher.notifyWork();
      request.log.info({ endpointId: endpoint.id, recovered }, "endpoint recovery queued failed deliveries");
      return reply.status(202).send({
        id: newId("task"),
        status: "finished",
        task: "endpoint.recover",
        updatedAt: new Date(now).toISOString(),
      });
    },
  );

  api.post(
    "/app/:app_id/endpoint/:endpoint_id/send-example",
    {
      schema: { tags, params: EndpointParams, body: EventExampleIn, response: { 200: MessageOut, ...errorResponses } },
    },
    async (request) => {
      const app = await loadApp(ctx, request, request.params.app_id);
      const endpoint = await loadEndpoint(ctx, app, request.params.endpoint_id);
      const eventType = await ctx.storage.eventTypes.get(request.body.eventType);
      const payload = examplePayload(
        eventType?.schemas ?? null,
        request.body.exampleIndex ?? 0,
        request.body.eventType,
      );
      const message = await ctx.publisher.publish(app, {
        eventType: request.body.eventType,
        payload,
        onlyEndpointId: endpoint.id,
      });
      return presentMessage(message);
    },
  );
}

/** The n-th example of the newest schema version, or a placeholder naming the type. */
function examplePayload(schemas: Record<string, unknown> | null, index: number, eventType: string): unknown {
  const versions = Object.keys(schemas ?? {}).sort();
  const latest =
    versions.length > 0 ? (schemas![versions[versions.length - 1]!] as { examples?: unknown[] }) : undefined;
  const example = latest?.examples?.[index];
  if (example !== undefined && typeof example === "object" && example !== null) return example;
  if (latest?.examples) throw invalid(["body", "exampleIndex"], `event type "${eventType}" has no example ${index}`);
  return { type: eventType, example: true };
}
