// /api/v1/auth: app-portal access tokens, scoped to one application.
import { Type } from "typebox";
import { hashToken, newToken } from "../../domain/tokens.js";
import { newId } from "../../lib/ids.js";
import { notFound } from "../../lib/errors.js";
import { requireAdmin, type Authenticator } from "../auth.js";
import type { RouteContext } from "../context.js";
import { AppParams, Opt, errorResponses } from "../schemas/common.js";
import { ApplicationIn } from "../schemas/application.js";
import { applicationFromInput } from "./applications.js";
import type { Api } from "./types.js";

const tags = ["Authentication"];

const AppPortalAccessIn = Type.Object(
  {
    application: Opt(ApplicationIn),
    expiry: Opt(Type.Integer({ minimum: 60, maximum: 31536000, description: "Token lifetime in seconds." })),
    featureFlags: Opt(Type.Array(Type.String())),
    readOnly: Opt(Type.Boolean()),
    sessionId: Opt(Type.String()),
  },
  { $id: "AppPortalAccessIn" },
);
const AppPortalAccessOut = Type.Object({ token: Type.String(), url: Type.String() }, { $id: "AppPortalAccessOut" });

export function authRoutes(api: Api, ctx: RouteContext, auth: Authenticator): void {
  api.post("/auth/logout", { schema: { tags } }, async (request, reply) => {
    // Ends an app-portal session; the admin token is configuration and is not revoked here.
    if (request.principal.kind === "app") {
      await ctx.storage.tokens.delete(request.principal.tokenId);
      auth.forget(request.headers.authorization);
    }
    return reply.status(204).send();
  });

  api.post(
    "/auth/app-portal-access/:app_id",
    {
      schema: {
        tags,
        params: AppParams,
        body: Type.Optional(AppPortalAccessIn),
        response: { 200: AppPortalAccessOut, ...errorResponses },
      },
    },
    async (request) => {
      requireAdmin(request.principal);
      let app = await ctx.storage.applications.get(request.params.app_id);
      if (!app && request.body?.application) {
        app = applicationFromInput(request.body.application, ctx.clock.nowMs(), request.params.app_id);
        await ctx.storage.applications.create(app);
      }
      if (!app) throw notFound("Application");
      const now = ctx.clock.nowMs();
      const token = newToken("app");
      const ttlSeconds = request.body?.expiry ?? ctx.config.portalTokenTtlSeconds;
      await ctx.storage.tokens.save({
        id: newId("token"),
        hash: hashToken(token),
        appId: app.id,
        expiresAt: now + ttlSeconds * 1000,
        createdAt: now,
      });
      return { token, url: `${ctx.publicUrl()}/portal#token=${encodeURIComponent(token)}` };
    },
  );
}
