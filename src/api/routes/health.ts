// /api/v1/health: 204 while the database answers (and every component marked required is up),
// 503 otherwise. `?verbose=true` answers 200 with a JSON body naming each part's state, so an
// operator sees a Redis adapter that is down without the whole server being reported unhealthy.
import { Type } from "typebox";
import { unavailable } from "../../lib/errors.js";
import type { RouteContext } from "../context.js";
import type { Api } from "./types.js";

const HealthQuery = Type.Object({ verbose: Type.Optional(Type.Boolean({ default: false })) });

export function healthRoutes(api: Api, ctx: RouteContext): void {
  api.get(
    "/health",
    { schema: { tags: ["Health"], querystring: HealthQuery }, config: { public: true } },
    async (request, reply) => {
      let databaseError: unknown;
      try {
        await ctx.storage.ping();
      } catch (error) {
        databaseError = error;
        request.log.warn({ err: error }, "health check: database not answering");
      }
      const components = ctx.components?.() ?? [];
      const requiredDown = components.filter((c) => c.required && c.state !== "up");
      if (request.query.verbose) {
        const healthy = databaseError === undefined && requiredDown.length === 0;
        const degraded = components.some((c) => c.state !== "up");
        return reply.status(healthy ? 200 : 503).send({
          status: !healthy ? "down" : degraded ? "degraded" : "ok",
          database: databaseError === undefined ? "up" : "down",
          components,
        });
      }
      if (databaseError !== undefined) throw unavailable("Database is not answering");
      if (requiredDown.length > 0) throw unavailable(`${requiredDown.map((c) => c.name).join(", ")} not connected`);
      return reply.status(204).send();
    },
  );

  api.get("/health/ping", { schema: { tags: ["Health"] }, config: { public: true } }, async (_request, reply) =>
    reply.status(204).send(),
  );
}
