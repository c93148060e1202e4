// /api/v1/app/{app_id}/endpoint: endpoints, their headers, secrets, stats and recovery.
import { Type, type Static } from "typebox";
import type { Endpoint } from "../../domain/model.js";
import { newSecret, normalizeSecret } from "../../domain/signing.js";
import { invalid, notFound } from "../../lib/errors.js";
import { newId } from "../../lib/ids.js";
import { loadApp, loadEndpoint, parseTime, type RouteContext } from "../context.js";
import { presentEndpoint, presentMessage, presentPage } from "../present.js";
import { EndpointParams, AppParams, ListResponse, PagingQuery, errorResponses } from "../schemas/common.js";
import {
  EndpointHeadersIn,
  EndpointHeadersOut,
  EndpointHeadersPatchIn,
  EndpointIn,
  EndpointOut,
  EndpointPatch,
  EndpointSecretOut,
  EndpointSecretRotateIn,
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
const DEFAULT_GRACE_SECONDS = 24 * 3600;

/** Headers we set ourselves or that would break the request; custom headers may not use them. */
const RESERVED_HEADER =
  /^(host|content-length|content-type|transfer-encoding|connection|user-agent|(webhook|svix)-(id|timestamp|signature))$/i;
/** Header values returned only by name, never by value. */
const SENSITIVE_HEADER = /^(authorization|proxy-authorization|cookie|x-api-key|api-key)$/i;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export function checkHeaders(headers: Record<string, string | null>, field: string): void {
  for (const [name, value] of Object.entries(headers)) {
    if (!HEADER_NAME.test(name)) throw invalid(["body", field, name], `"${name}" is not a valid header name`);
    if (RESERVED_HEADER.test(name))
      throw invalid(["body", field, name], `header "${name}" is set by Hooklane and cannot be overridden`);
    if (value !== null && /[\r\n]/.test(value))
      throw invalid(["body", field, name], "header values may not contain line breaks");
  }
}

function checkUrl(url: string): void {
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    throw invalid(["body", "url"], "must be an absolute http(s) URL");
  }
  if (protocol !== "http:" && protocol !== "https:") throw invalid(["body", "url"], "must be an http or https URL");
}

type EndpointFields = Partial<Static<typeof EndpointPatch>>;

/** Applies the fields present in `body` (both Svix spellings of the filter and rate). */
function applyFields(endpoint: Endpoint, body: EndpointFields): Endpoint {
  if (body.url !== undefined) checkUrl(body.url);
  const filter = body.filterTypes !== undefined ? body.filterTypes : body.eventTypes;
  const rate = body.rateLimit !== undefined ? body.rateLimit : body.throttleRate;
  return {
    ...endpoint,
    url: body.url ?? endpoint.url,
    uid: body.uid !== undefined ? body.uid : endpoint.uid,
    description: body.description !== undefined ? (body.description ?? "") : endpoint.description,
    version: body.version ?? endpoint.version,
    disabled: body.disabled !== undefined ? (body.disabled ?? false) : endpoint.disabled,
    eventTypes: filter !== undefined ? filter : endpoint.eventTypes,
    channels: body.channels !== undefined ? body.channels : endpoint.channels,
    rateLimit: rate !== undefined ? rate : endpoint.rateLimit,
    metadata: body.metadata !== undefined ? (body.metadata ?? {}) : endpoint.metadata,
    secret: body.secret ? normalizeSecret(body.secret) : endpoint.secret,
  };
}

function newEndpoint(appId: string, body: Static<typeof EndpointIn>, now: number, uid?: string): Endpoint {
  if (body.headers) checkHeaders(body.headers, "headers");
  const blank: Endpoint = {
    id: newId("endpoint"),
    appId,
    uid: uid ?? null,
    url: body.url,
    description: "",
    version: 1,
    disabled: false,
    eventTypes: null,
    channels: null,
    rateLimit: null,
    metadata: {},
    headers: body.headers ?? {},
    secret: newSecret(),
    retiredSecrets: [],
    createdAt: now,
    updatedAt: now,
  };
  return applyFields(blank, body);
}

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
      const page = await ctx.storage.endpoints.list(app.id, {
        limit: q.limit ?? 50,
        iterator: q.iterator,
        order: q.order ?? undefined,
      });
      return presentPage(page, presentEndpoint);
    },
  );

  api.post(
    "/app/:app_id/endpoint",
    { schema: { tags, params: AppParams, body: EndpointIn, response: { 201: EndpointOut, ...errorResponses } } },
    async (request, reply) => {
      const app = await loadApp(ctx, request, request.params.app_id);
      const endpoint = newEndpoint(app.id, request.body, ctx.clock.nowMs());
      await ctx.storage.endpoints.create(endpoint);
      return reply.status(201).send(presentEndpoint(endpoint));
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
        const created = newEndpoint(app.id, request.body, now, request.params.endpoint_id);
        await ctx.storage.endpoints.create(created);
        return reply.status(201).send(presentEndpoint(created));
      }
      // PUT replaces: fields left out go back to their defaults.
      const body = request.body;
      const updated = applyFields(existing, {
        description: "",
        disabled: false,
        filterTypes: null,
        channels: null,
        rateLimit: null,
        metadata: {},
        ...body,
      });
      updated.updatedAt = now;
      await ctx.storage.endpoints.update(updated);
      return presentEndpoint(updated);
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
      const updated = { ...applyFields(endpoint, request.body), updatedAt: ctx.clock.nowMs() };
      await ctx.storage.endpoints.update(updated);
      return presentEndpoint(updated);
    },
  );

  api.delete(
    "/app/:app_id/endpoint/:endpoint_id",
    { schema: { tags, params: EndpointParams } },
    async (request, reply) => {
      const app = await loadApp(ctx, request, request.params.app_id);
      const endpoint = await loadEndpoint(ctx, app, request.params.endpoint_id);
      await ctx.storage.endpoints.delete(app.id, endpoint.id);
      return reply.status(204).send();
    },
  );

  api.get(
    "/app/:app_id/endpoint/:endpoint_id/headers",
    { schema: { tags, params: EndpointParams, response: { 200: EndpointHeadersOut, ...errorResponses } } },
    async (request) => {
      const app = await loadApp(ctx, request, request.params.app_id);
      const endpoint = await loadEndpoint(ctx, app, request.params.endpoint_id);
      const headers: Record<string, string> = {};
      const sensitive: string[] = [];
      for (const [name, value] of Object.entries(endpoint.headers)) {
        if (SENSITIVE_HEADER.test(name)) sensitive.push(name);
        else headers[name] = value;
      }
      return { headers, sensitive };
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
      return { key: (await loadEndpoint(ctx, app, request.params.endpoint_id)).secret };
    },
  );

  api.post(
    "/app/:app_id/endpoint/:endpoint_id/secret/rotate",
    { schema: { tags, params: EndpointParams, body: Type.Optional(EndpointSecretRotateIn) } },
    async (request, reply) => {
      const app = await loadApp(ctx, request, request.params.app_id);
      const endpoint = await loadEndpoint(ctx, app, request.params.endpoint_id);
      const now = ctx.clock.nowMs();
      const grace = (request.body?.gracePeriodSeconds ?? DEFAULT_GRACE_SECONDS) * 1000;
      // The old secret keeps signing (as a second signature) until the grace period ends.
      const retiredSecrets = [
        ...endpoint.retiredSecrets.filter((s) => s.expiresAt > now),
        ...(grace > 0 ? [{ key: endpoint.secret, expiresAt: now + grace }] : []),
      ];
      const secret = request.body?.key ? normalizeSecret(request.body.key) : newSecret();
      await ctx.storage.endpoints.update({ ...endpoint, secret, retiredSecrets, updatedAt: now });
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
      return ctx.storage.deliveries.stats(
        endpoint.id,
        { after: parseTime(request.query.since, "since"), before: parseTime(request.query.until, "until") },
        ctx.clock.nowMs(),
      );
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
