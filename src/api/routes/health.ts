// /api/v1/health: 204 while the database answers, 503 when it does not.
import { unavailable } from "../../lib/errors.js";
import type { RouteContext } from "../context.js";
import type { Api } from "./types.js";

export function healthRoutes(api: Api, ctx: RouteContext): void {
  api.get("/health", { schema: { tags: ["Health"] }, config: { public: true } }, async (request, reply) => {
    try {
      await ctx.storage.ping();
    } catch (error) {
      request.log.warn({ err: error }, "health check: database not answering");
      throw unavailable("Database is not answering");
    }
    return reply.status(204).send();
  });

  api.get("/health/ping", { schema: { tags: ["Health"] }, config: { public: true } }, async (_request, reply) =>
    reply.status(204).send(),
  );
}
