// What route handlers get: the storage, the publisher and lookups that enforce token scope.
import type { FastifyRequest } from "fastify";
import type { Config } from "../config/schema.js";
import type { OperationalEvents } from "../delivery/operationalEvents.js";
import type { DirectSender } from "../delivery/directSend.js";
import type { EndpointVerifier } from "../delivery/endpointVerifier.js";
import type { Publisher } from "../delivery/publish.js";
import type { InboundReceiver } from "../inbound/receive.js";
import type { Application, Endpoint, Message } from "../domain/model.js";
import type { Clock } from "../lib/clock.js";
import type { ComponentHealth } from "../lib/health.js";
import { invalid, notFound } from "../lib/errors.js";
import type { PageQuery, Storage } from "../storage/contract.js";
import { requireApp, type Principal } from "./auth.js";

export interface RouteContext {
  storage: Storage;
  publisher: Publisher;
  /** Operational webhooks (events about endpoints and attempts, for the operator). */
  events: OperationalEvents;
  /** Webhooks received by inbound sources (POST /in/{source_id}). */
  inbound: InboundReceiver;
  /** Direct-URL sends (POST /send). */
  direct: DirectSender;
  /** Endpoint verification checks (applications with endpointVerification). */
  verifier: EndpointVerifier;
  /** Optional components (ingest adapters) the health route reports on. */
  components?: () => ComponentHealth[];
  clock: Clock;
  config: Config;
  /** Base URL for links we hand out (app portal). */
  publicUrl: () => string;
  /** A background task was created: start it without waiting for the task poll. */
  tasksCreated: () => void;
}

declare module "fastify" {
  interface FastifyRequest {
    principal: Principal;
  }
}

/** The application named by id or uid, if the caller's token may see it. */
export async function loadApp(ctx: RouteContext, request: FastifyRequest, idOrUid: string): Promise<Application> {
  const app = await ctx.storage.applications.get(idOrUid);
  if (!app) throw notFound("Application");
  requireApp(request.principal, app.id);
  return app;
}

export async function loadEndpoint(ctx: RouteContext, app: Application, idOrUid: string): Promise<Endpoint> {
  const endpoint = await ctx.storage.endpoints.get(app.id, idOrUid);
  if (!endpoint) throw notFound("Endpoint");
  return endpoint;
}

export async function loadMessage(ctx: RouteContext, app: Application, idOrEventId: string): Promise<Message> {
  const message = await ctx.storage.messages.get(app.id, idOrEventId);
  if (!message) throw notFound("Message");
  return message;
}

/** ISO date-time query values → ms; the schema has checked the format already. */
export function parseTime(value: string | null | undefined, field: string): number | undefined {
  if (value === null || value === undefined) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw invalid(["query", field], "invalid date-time");
  return ms;
}

/** The SDK joins array query values with commas; accept that and repeated parameters. */
export function splitList(values: string[] | null | undefined): string[] | undefined {
  if (!values) return undefined;
  const items = values.flatMap((v) => v.split(",")).filter((v) => v !== "");
  return items.length > 0 ? items : undefined;
}

/** The paging part of a list query (Svix's default page is 50). */
export function pageQuery(q: {
  limit?: number | undefined;
  iterator?: string | null | undefined;
  order?: "ascending" | "descending" | null | undefined;
}): PageQuery {
  return { limit: q.limit ?? 50, iterator: q.iterator, order: q.order ?? undefined };
}
