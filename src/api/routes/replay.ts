// Replays as background tasks: POST .../replay (application or endpoint) counts the selection
// (dryRun) or starts a task that re-sends it at a bounded rate; /background-task shows its
// progress. POST .../endpoint/{id}/enable re-enables an endpoint and can replay what it missed.
import type { FastifyReply, FastifyRequest } from "fastify";
import { Type } from "typebox";
import type { Application, BackgroundTask, Endpoint, ReplaySelection } from "../../domain/model.js";
import { invalid, notFound } from "../../lib/errors.js";
import { newId } from "../../lib/ids.js";
import { announceUpdate, applyFields } from "../endpointInput.js";
import { loadApp, loadEndpoint, pageQuery, parseTime, type RouteContext } from "../context.js";
import { iso, presentEndpoint, presentPage } from "../present.js";
import { AppParams, EndpointParams, ListResponse, errorResponses } from "../schemas/common.js";
import { EndpointOut } from "../schemas/endpoint.js";
import {
  BackgroundTaskOut,
  EndpointEnableIn,
  EndpointReplayIn,
  ReplayDryRunOut,
  ReplayIn,
  TaskListQuery,
  TaskParams,
} from "../schemas/task.js";
import type { Api } from "./types.js";

const tags = ["Replay"];

export function presentTask(t: BackgroundTask) {
  return {
    id: t.id,
    status: t.status,
    task: t.kind,
    updatedAt: iso(t.updatedAt)!,
    data: {
      appId: t.appId,
      endpointId: t.endpointId,
      total: t.total,
      done: t.done,
      ratePerSecond: t.ratePerSecond,
      error: t.error,
      createdAt: iso(t.createdAt)!,
    },
  };
}

interface ReplayBody {
  since: string;
  until?: string | null | undefined;
  eventTypes?: string[] | null | undefined;
  status?: 0 | 1 | 2 | 3 | null | undefined;
  dryRun?: boolean | null | undefined;
  rate?: number | null | undefined;
  includeMissed?: boolean | null | undefined;
}

function selectionFrom(app: Application, endpoint: Endpoint | null, body: ReplayBody, now: number): ReplaySelection {
  const since = parseTime(body.since, "since")!;
  const until = parseTime(body.until, "until") ?? now;
  if (until <= since) throw invalid(["body", "until"], "must be after since");
  return {
    appId: app.id,
    endpointId: endpoint?.id ?? null,
    since,
    until,
    eventTypes: body.eventTypes ?? null,
    status: body.status ?? null,
    includeMissed: endpoint !== null && body.includeMissed === true,
  };
}

/** Counts the selection and stores a task to re-send it (finished at once when empty). */
async function createReplayTask(
  ctx: RouteContext,
  selection: ReplaySelection,
  total: number,
  rate: number | null | undefined,
): Promise<BackgroundTask> {
  const now = ctx.clock.nowMs();
  const task: BackgroundTask = {
    id: newId("task"),
    appId: selection.appId,
    endpointId: selection.endpointId,
    kind: selection.endpointId === null ? "application.replay" : "endpoint.replay",
    status: total === 0 ? "finished" : "running",
    selection,
    ratePerSecond: rate ?? ctx.config.replayRatePerSecond,
    total,
    done: 0,
    cursor: null,
    error: null,
    createdAt: now,
    updatedAt: now,
  };
  await ctx.storage.tasks.create(task);
  ctx.tasksCreated();
  return task;
}

/** Counts the application's or endpoint's selection (dry run) or starts a task replaying it. */
async function startReplay(
  ctx: RouteContext,
  request: FastifyRequest,
  reply: FastifyReply,
  app: Application,
  endpoint: Endpoint | null,
  body: ReplayBody,
) {
  const selection = selectionFrom(app, endpoint, body, ctx.clock.nowMs());
  const total = await ctx.storage.replay.count(selection);
  if (body.dryRun === true) return reply.status(200).send({ count: total, dryRun: true as const });
  const task = await createReplayTask(ctx, selection, total, body.rate);
  request.log.info({ taskId: task.id, total, kind: task.kind }, "replay started");
  return reply.status(202).send(presentTask(task));
}

export function replayRoutes(api: Api, ctx: RouteContext): void {
  const replayResponses = { 200: ReplayDryRunOut, 202: BackgroundTaskOut, ...errorResponses };

  api.post(
    "/app/:app_id/replay",
    { schema: { tags, params: AppParams, body: ReplayIn, response: replayResponses } },
    async (request, reply) => {
      const app = await loadApp(ctx, request, request.params.app_id);
      return startReplay(ctx, request, reply, app, null, request.body);
    },
  );

  api.post(
    "/app/:app_id/endpoint/:endpoint_id/replay",
    { schema: { tags, params: EndpointParams, body: EndpointReplayIn, response: replayResponses } },
    async (request, reply) => {
      const app = await loadApp(ctx, request, request.params.app_id);
      const endpoint = await loadEndpoint(ctx, app, request.params.endpoint_id);
      return startReplay(ctx, request, reply, app, endpoint, request.body);
    },
  );

  api.post(
    "/app/:app_id/endpoint/:endpoint_id/enable",
    {
      schema: {
        tags,
        params: EndpointParams,
        body: Type.Optional(EndpointEnableIn),
        response: {
          200: Type.Object({ endpoint: EndpointOut, task: Type.Union([BackgroundTaskOut, Type.Null()]) }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const app = await loadApp(ctx, request, request.params.app_id);
      const before = await loadEndpoint(ctx, app, request.params.endpoint_id);
      const now = ctx.clock.nowMs();
      // What it missed starts when it began failing (Hooklane disabled it) or was disabled.
      const missedSince = before.failingSince ?? before.disabledAt;
      if (request.body?.replayMissed && missedSince === null) {
        throw invalid(
          ["body", "replayMissed"],
          "no record of when this endpoint stopped receiving; use /replay with since",
        );
      }
      const after = { ...applyFields(before, { disabled: false }), updatedAt: now };
      await ctx.storage.endpoints.update(after);
      announceUpdate(ctx, before, after);
      let task: BackgroundTask | null = null;
      if (request.body?.replayMissed && missedSince !== null) {
        const selection: ReplaySelection = {
          appId: app.id,
          endpointId: after.id,
          since: missedSince,
          until: now,
          eventTypes: null,
          status: null,
          includeMissed: true,
        };
        task = await createReplayTask(ctx, selection, await ctx.storage.replay.count(selection), null);
      }
      return { endpoint: presentEndpoint(after), task: task && presentTask(task) };
    },
  );

  api.get(
    "/background-task/:task_id",
    { schema: { tags, params: TaskParams, response: { 200: BackgroundTaskOut, ...errorResponses } } },
    async (request) => {
      const task = await ctx.storage.tasks.get(request.params.task_id);
      // Another application's task is not there, as far as an app token can tell.
      const principal = request.principal;
      if (!task || (principal.kind === "app" && principal.appId !== task.appId)) throw notFound("Background task");
      return presentTask(task);
    },
  );

  api.get(
    "/background-task",
    {
      schema: {
        tags,
        querystring: TaskListQuery,
        response: { 200: ListResponse(BackgroundTaskOut, "BackgroundTaskOut"), ...errorResponses },
      },
    },
    async (request) => {
      const principal = request.principal;
      const appId = principal.kind === "app" ? principal.appId : (request.query.app_id ?? null);
      const app = appId === null ? null : await loadApp(ctx, request, appId);
      const page = await ctx.storage.tasks.list(app?.id ?? null, pageQuery(request.query));
      return presentPage(page, presentTask);
    },
  );
}
