// GET /metrics: the Prometheus exposition, behind the admin token or a scrape-only token
// unless `metricsPublic` (operational data: counts and rates, but still not for everyone).
import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyInstance } from "fastify";
import type { Config } from "../../config/schema.js";
import { requireAdmin, type Authenticator } from "../auth.js";

/** What the server needs from the metrics registry; prom-client itself stays in app/. */
export interface MetricsSource {
  readonly contentType: string;
  render(): Promise<string>;
}

const digest = (value: string): Buffer => createHash("sha256").update(value).digest();

export function metricsRoute(app: FastifyInstance, source: MetricsSource, auth: Authenticator, config: Config): void {
  const scrapeToken = config.metricsToken ? digest(config.metricsToken) : null;
  app.get("/metrics", { schema: { hide: true } }, async (request, reply) => {
    if (!config.metricsPublic) {
      const token = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? "")?.[1];
      // Digests have equal length, so the comparison is constant-time whatever was sent.
      const isScrapeToken = scrapeToken !== null && token !== undefined && timingSafeEqual(digest(token), scrapeToken);
      if (!isScrapeToken) requireAdmin(await auth.authenticate(request.headers.authorization));
    }
    return reply.type(source.contentType).send(await source.render());
  });
}
