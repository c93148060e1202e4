// /api/v1/app: applications (tenants).
import { Type } from "typebox";
import type { Application } from "../../domain/model.js";
import { newId } from "../../lib/ids.js";
import { conflict, notFound } from "../../lib/errors.js";
import { requireAdmin } from "../auth.js";
import { loadApp, pageQuery, type RouteContext } from "../context.js";
import { presentApplication, presentPage } from "../present.js";
import { ApplicationIn, ApplicationOut, ApplicationPatch } from "../schemas/application.js";
import { AppParams, ListResponse, PagingQuery, errorResponses } from "../schemas/common.js";
import type { Api } from "./types.js";
import type { Static } from "typebox";

const tags = ["Application"];

export function applicationFromInput(input: Static<typeof ApplicationIn>, now: number, uid?: string): Application {
  return {
    id: newId("application"),
    uid: input.uid ?? uid ?? null,
    name: input.name,
    rateLimit: input.rateLimit ?? input.throttleRate ?? null,
    metadata: input.metadata ?? {},
    endpointVerification: input.endpointVerification ?? false,
    createdAt: now,
    updatedAt: now,
  };
}

export function applicationRoutes(api: Api, ctx: RouteContext): void {
  api.get(
    "/app",
    {
      schema: {
        tags,
        querystring: Type.Object(PagingQuery),
        response: { 200: ListResponse(ApplicationOut, "ApplicationOut") },
      },
    },
    async (request) => {
      requireAdmin(request.principal);
      const q = request.query;
      const page = await ctx.storage.applications.list(pageQuery(q));
      return presentPage(page, presentApplication);
    },
  );

  api.post(
    "/app",
    {
      schema: {
        tags,
        querystring: Type.Object({ get_if_exists: Type.Optional(Type.Boolean({ default: false })) }),
        body: ApplicationIn,
        response: { 200: ApplicationOut, 201: ApplicationOut, ...errorResponses },
      },
    },
    async (request, reply) => {
      requireAdmin(request.principal);
      const body = request.body;
      if (body.uid) {
        const existing = await ctx.storage.applications.get(body.uid);
        if (existing && request.query.get_if_exists) return reply.status(200).send(presentApplication(existing));
        if (existing) throw conflict(`An application with uid "${body.uid}" already exists`);
      }
      const app = applicationFromInput(body, ctx.clock.nowMs());
      await ctx.storage.applications.create(app);
      return reply.status(201).send(presentApplication(app));
    },
  );

  api.get(
    "/app/:app_id",
    { schema: { tags, params: AppParams, response: { 200: ApplicationOut, ...errorResponses } } },
    async (request) => presentApplication(await loadApp(ctx, request, request.params.app_id)),
  );

  api.put(
    "/app/:app_id",
    {
      schema: {
        tags,
        params: AppParams,
        body: ApplicationIn,
        response: { 200: ApplicationOut, 201: ApplicationOut, ...errorResponses },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const existing = await ctx.storage.applications.get(request.params.app_id);
      if (!existing) {
        // PUT on an unknown uid creates the application, as in Svix.
        requireAdmin(request.principal);
        if (request.params.app_id.startsWith("app_")) throw notFound("Application");
        const app = applicationFromInput(body, ctx.clock.nowMs(), request.params.app_id);
        await ctx.storage.applications.create(app);
        return reply.status(201).send(presentApplication(app));
      }
      const app = await loadApp(ctx, request, existing.id);
      const updated: Application = {
        ...app,
        name: body.name,
        uid: body.uid ?? app.uid,
        rateLimit: body.rateLimit ?? body.throttleRate ?? null,
        metadata: body.metadata ?? {},
        endpointVerification: body.endpointVerification ?? false,
        updatedAt: ctx.clock.nowMs(),
      };
      await ctx.storage.applications.update(updated);
      return presentApplication(updated);
    },
  );

  api.patch(
    "/app/:app_id",
    {
      schema: { tags, params: AppParams, body: ApplicationPatch, response: { 200: ApplicationOut, ...errorResponses } },
    },
    async (request) => {
      const app = await loadApp(ctx, request, request.params.app_id);
      const body = request.body;
      const updated: Application = {
        ...app,
        name: body.name ?? app.name,
        uid: body.uid === undefined ? app.uid : body.uid,
        rateLimit:
          body.rateLimit !== undefined
            ? body.rateLimit
            : body.throttleRate !== undefined
              ? body.throttleRate
              : app.rateLimit,
        metadata: body.metadata ?? app.metadata,
        endpointVerification: body.endpointVerification ?? app.endpointVerification,
        updatedAt: ctx.clock.nowMs(),
      };
      await ctx.storage.applications.update(updated);
      return presentApplication(updated);
    },
  );

  api.delete("/app/:app_id", { schema: { tags, params: AppParams } }, async (request, reply) => {
    requireAdmin(request.principal);
    const app = await loadApp(ctx, request, request.params.app_id);
    await ctx.storage.applications.delete(app.id);
    return reply.status(204).send();
  });
}
