// /api/v1/dashboard: what the web dashboard needs beyond the Svix API: signing in with a
// session cookie, the overview's aggregates and a live tail of attempts (Server-Sent Events).
// Hidden from the OpenAPI document, which stays the Svix-compatible surface.
import { Type } from "typebox";
import type { AttemptRecorded } from "../../delivery/worker.js";
import { forbidden, notFound, unauthorized, unavailable } from "../../lib/errors.js";
import type { Principal } from "../auth.js";
import type { RouteContext } from "../context.js";
import type { DashboardSessions, SessionInfo } from "../session.js";
import type { Api } from "./types.js";

/** Where live attempts come from: the delivery worker of this process. */
export interface AttemptFeed {
  onAttempt(listener: (event: AttemptRecorded) => void): () => void;
}

const HOUR_MS = 3600_000;
const DAY_MS = 24 * HOUR_MS;
const MINUTE_MS = 60_000;
/** The day chart has 96 bars of 15 minutes: readable, and one small query. */
const DAY_BUCKET_MS = 15 * MINUTE_MS;
const DISABLED_LIST_LIMIT = 50;
/** Comment lines keep idle streams open through proxies that cut silent connections. */
const KEEPALIVE_MS = 15_000;

const SignInBody = Type.Object({ token: Type.String({ minLength: 1, maxLength: 500 }) });
const AppQuery = Type.Object({ app_id: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })) });

declare module "fastify" {
  interface FastifyRequest {
    /** Set when the request was authenticated by the dashboard's session cookie. */
    dashboardSession?: SessionInfo;
  }
}

export function dashboardRoutes(
  api: Api,
  ctx: RouteContext,
  sessions: DashboardSessions,
  feed: AttemptFeed | undefined,
): void {
  const schema = { hide: true };
  const describe = (s: SessionInfo) => ({
    kind: s.principal.kind,
    appId: s.principal.kind === "app" ? s.principal.appId : null,
    csrfToken: s.csrfToken,
    expiresAt: new Date(s.expiresAt).toISOString(),
    liveTail: feed !== undefined,
  });

  api.post(
    "/dashboard/session",
    { schema: { ...schema, body: SignInBody }, config: { public: true } },
    async (request, reply) => describe(await sessions.start(request.body.token, request, reply)),
  );

  api.get("/dashboard/session", { schema }, async (request) => {
    if (!request.dashboardSession) throw unauthorized("No dashboard session: sign in first");
    return describe(request.dashboardSession);
  });

  api.delete("/dashboard/session", { schema }, async (_request, reply) => {
    sessions.end(reply);
    return reply.status(204).send();
  });

  api.get("/dashboard/overview", { schema: { ...schema, querystring: AppQuery } }, async (request) => {
    const appId = await scopedAppId(ctx, request.principal, request.query.app_id);
    const now = ctx.clock.nowMs();
    const hourStart = Math.floor(now / MINUTE_MS) * MINUTE_MS + MINUTE_MS - HOUR_MS;
    const dayStart = Math.floor(now / DAY_BUCKET_MS) * DAY_BUCKET_MS + DAY_BUCKET_MS - DAY_MS;
    const [hour, day, backlog, disabled] = await Promise.all([
      ctx.storage.dashboard.deliveryRate({ since: hourStart, until: hourStart + HOUR_MS, bucketMs: MINUTE_MS, appId }),
      ctx.storage.dashboard.deliveryRate({ since: dayStart, until: dayStart + DAY_MS, bucketMs: DAY_BUCKET_MS, appId }),
      ctx.storage.deliveries.backlog(now, appId),
      ctx.storage.dashboard.disabledEndpoints(appId, DISABLED_LIST_LIMIT),
    ]);
    return {
      appId: appId ?? null,
      now: new Date(now).toISOString(),
      hour: { bucketMs: MINUTE_MS, buckets: hour },
      day: { bucketMs: DAY_BUCKET_MS, buckets: day },
      backlog: {
        due: backlog.due,
        dueCapped: backlog.dueCapped,
        oldestDueAgeMs: backlog.oldestDueAt === null ? null : now - backlog.oldestDueAt,
      },
      disabledEndpoints: disabled.map((e) => ({
        ...e,
        failingSince: e.failingSince === null ? null : new Date(e.failingSince).toISOString(),
      })),
    };
  });

  api.get("/dashboard/tail", { schema: { ...schema, querystring: AppQuery } }, async (request, reply) => {
    if (!feed) throw unavailable("This process runs no delivery worker: the live tail is served by worker processes");
    const appId = await scopedAppId(ctx, request.principal, request.query.app_id);
    reply.hijack();
    const out = reply.raw;
    out.writeHead(200, {
      "content-type": "text/event-stream",
      "cache-control": "no-store",
      connection: "keep-alive",
      "x-request-id": request.id,
    });
    out.write(": connected\n\n");
    const stop = feed.onAttempt((event) => {
      if (appId !== undefined && event.attempt.appId !== appId) return;
      out.write(`event: attempt\ndata: ${JSON.stringify(presentTailEvent(event))}\n\n`);
    });
    const keepalive = setInterval(() => out.write(": keepalive\n\n"), KEEPALIVE_MS);
    request.raw.on("close", () => {
      clearInterval(keepalive);
      stop();
    });
  });
}

/** The application a dashboard query is about: an app token's own, or the admin's choice (all when none). */
async function scopedAppId(ctx: RouteContext, principal: Principal, requested: string | undefined) {
  if (requested === undefined) return principal.kind === "app" ? principal.appId : undefined;
  const app = await ctx.storage.applications.get(requested);
  if (principal.kind === "app" && app?.id !== principal.appId)
    throw forbidden("This token belongs to another application");
  if (!app) throw notFound("Application");
  return app.id;
}

function presentTailEvent(event: AttemptRecorded) {
  const a = event.attempt;
  return {
    id: a.id,
    appId: a.appId,
    msgId: a.messageId,
    endpointId: a.endpointId,
    eventType: event.message.eventType,
    url: a.url,
    status: a.status,
    responseStatusCode: a.responseStatusCode,
    responseDurationMs: a.responseDurationMs,
    timestamp: new Date(a.createdAt).toISOString(),
    next: event.completion.kind,
  };
}
