// Builds the HTTP server: Fastify with TypeBox schemas (validation, response serialisation
// and the OpenAPI document from one source), bearer auth, idempotency and the v1 routes.
import cookie from "@fastify/cookie";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from "fastify";
import { randomBytes } from "node:crypto";
import { newId } from "../lib/ids.js";
import type { Logger } from "../lib/logger.js";
import type { Authenticator } from "./auth.js";
import type { RouteContext } from "./context.js";
import { registerDashboardAssets } from "./dashboardAssets.js";
import { registerErrorHandling } from "./errors.js";
import { registerIdempotency } from "./idempotency.js";
import { createValidatorCompiler } from "./validation.js";
import { applicationRoutes } from "./routes/applications.js";
import { attemptRoutes } from "./routes/attempts.js";
import { authRoutes } from "./routes/auth.js";
import { dashboardRoutes, type AttemptFeed } from "./routes/dashboard.js";
import { endpointRoutes } from "./routes/endpoints.js";
import { eventTypeRoutes } from "./routes/eventTypes.js";
import { healthRoutes } from "./routes/health.js";
import { messageRoutes } from "./routes/messages.js";
import { metricsRoute, type MetricsSource } from "./routes/metrics.js";
import { operationalWebhookRoutes } from "./routes/operationalWebhooks.js";
import { replayRoutes } from "./routes/replay.js";
import { sendRoutes } from "./routes/send.js";
import { inboundRoutes } from "./routes/inbound.js";
import { sourceRoutes } from "./routes/sources.js";
import type { Api } from "./routes/types.js";
import { DashboardSessions } from "./session.js";

declare module "fastify" {
  interface FastifyContextConfig {
    /** Route answers without a token (health checks). */
    public?: boolean;
  }
}

export interface ServerOptions {
  /** "health": a worker-only process answers health checks and nothing else. */
  routes: "all" | "health";
  /** Serves GET /metrics (in every role: workers are where attempts happen). */
  metrics?: MetricsSource;
  /** Attempts as they happen, for the dashboard's live tail (processes that run a worker). */
  attemptFeed?: AttemptFeed;
}

export async function buildServer(
  ctx: RouteContext,
  auth: Authenticator,
  logger: Logger,
  options: ServerOptions = { routes: "all" },
): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    // Per-request log lines would dominate the log at webhook volumes; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: ctx.config.bodyLimitBytes,
    requestIdHeader: "x-request-id",
    // Ours when the caller sent none: short, sortable, and logged as reqId on every line.
    genReqId: () => newId("request"),
    ajv: { customOptions: {} },
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(createValidatorCompiler());
  // The API speaks JSON only; other bodies get 415 rather than a confusing validation error.
  app.removeContentTypeParser("text/plain");
  registerErrorHandling(app as unknown as FastifyInstance);
  // Callers can quote it in support requests; it matches the reqId of our log lines.
  app.addHook("onSend", (request, reply, payload, done) => {
    reply.header("x-request-id", request.id);
    done(null, payload);
  });

  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "Hooklane API",
        version: "1.1.1",
        description: "Svix-compatible webhook sending API (v1), served by Hooklane.",
      },
      components: { securitySchemes: { HTTPBearer: { type: "http", scheme: "bearer" } } },
      security: [{ HTTPBearer: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: "/docs" });
  if (options.metrics) metricsRoute(app as unknown as FastifyInstance, options.metrics, auth, ctx.config);

  app.decorateRequest("principal", undefined as never);
  app.decorateRequest("dashboardSession", undefined);
  const sessions = new DashboardSessions(auth, ctx.clock);
  if (options.routes === "all") {
    // One signing key per database, so every instance accepts the sessions of the others.
    const secret = await ctx.storage.settings.getOrInit(
      "dashboard.cookie_secret",
      randomBytes(32).toString("base64url"),
      ctx.clock.nowMs(),
    );
    await app.register(cookie, { secret });
    await registerDashboardAssets(app as unknown as FastifyInstance);
  }

  await app.register(
    async (v1) => {
      const authenticate = async (request: FastifyRequest): Promise<void> => {
        if (options.routes === "all" && sessions.applies(request)) {
          request.dashboardSession = await sessions.authenticate(request);
          request.principal = request.dashboardSession.principal;
        } else {
          request.principal = await auth.authenticate(request.headers.authorization);
        }
      };
      // Callback style with a synchronous path for a recently verified token (most requests):
      // an async hook costs a promise and a microtask turn on every request.
      v1.addHook("onRequest", (request, _reply, done) => {
        if (request.is404 || request.routeOptions.config.public) return done();
        const cached =
          request.headers.cookie === undefined ? auth.cachedPrincipal(request.headers.authorization) : undefined;
        if (cached) {
          request.principal = cached;
          return done();
        }
        authenticate(request).then(() => done(), done);
      });
      registerIdempotency(v1, ctx.storage, ctx.clock, ctx.config.idempotencyTtlSeconds);
      const api = v1 as unknown as Api;
      healthRoutes(api, ctx);
      if (options.routes === "health") return;
      applicationRoutes(api, ctx);
      eventTypeRoutes(api, ctx);
      endpointRoutes(api, ctx);
      messageRoutes(api, ctx);
      attemptRoutes(api, ctx);
      sendRoutes(api, ctx);
      authRoutes(api, ctx, auth);
      operationalWebhookRoutes(api, ctx);
      replayRoutes(api, ctx);
      dashboardRoutes(api, ctx, sessions, options.attemptFeed);
      sourceRoutes(api, ctx);
      v1.get("/openapi.json", { schema: { hide: true }, config: { public: true } }, async () => app.swagger());
    },
    { prefix: "/api/v1" },
  );

  if (options.routes === "all") await app.register((scope) => inboundRoutes(scope, ctx), { prefix: "/in" });

  return app as unknown as FastifyInstance;
}
