// Operational webhooks: events about Hooklane itself (endpoint disabled, attempts exhausted,
// …), published as ordinary messages to a reserved application whose endpoints the operator
// manages under /api/v1/operational-webhook/endpoint. They are signed, retried and listed like
// any other delivery. Payloads follow Svix's operational webhooks: {type, timestamp, data}.
import type { Application } from "../domain/model.js";
import type { Clock } from "../lib/clock.js";
import { HooklaneError } from "../lib/errors.js";
import { newId } from "../lib/ids.js";
import type { Logger } from "../lib/logger.js";
import type { Storage } from "../storage/contract.js";
import type { Publisher } from "./publish.js";

export const OPERATIONAL_APP_UID = "hooklane-operational";

export type OperationalEventType =
  | "endpoint.created"
  | "endpoint.updated"
  | "endpoint.deleted"
  | "endpoint.disabled"
  | "endpoint.enabled"
  | "message.attempt.failing"
  | "message.attempt.exhausted"
  | "message.attempt.recovered";

export class OperationalEvents {
  private app: Promise<Application> | undefined;
  private readonly appUids = new Map<string, string | null>();

  constructor(
    private readonly storage: Storage,
    private readonly publisher: Publisher,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  /** The reserved application, created on first use (another instance may win the race). */
  operationalApp(): Promise<Application> {
    this.app ??= this.findOrCreateApp().catch((error: unknown) => {
      this.app = undefined;
      throw error;
    });
    return this.app;
  }

  /** True for the reserved application: events about its own endpoints would feed themselves. */
  async isOperational(appId: string): Promise<boolean> {
    return (await this.operationalApp()).id === appId;
  }

  /** Publishes an event; failures are logged, never thrown into the caller's work. */
  async emit(type: OperationalEventType, data: Record<string, unknown>): Promise<void> {
    try {
      const app = await this.operationalApp();
      if (data.appId === app.id) return;
      if (typeof data.appId === "string" && !("appUid" in data)) data.appUid = await this.appUid(data.appId);
      await this.publisher.publish(app, {
        eventType: type,
        payload: { type, timestamp: new Date(this.clock.nowMs()).toISOString(), data },
        internal: true,
      });
    } catch (error) {
      this.log.error({ err: error, type }, "could not publish an operational event");
    }
  }

  private async appUid(appId: string): Promise<string | null> {
    if (!this.appUids.has(appId)) this.appUids.set(appId, (await this.storage.applications.get(appId))?.uid ?? null);
    return this.appUids.get(appId) ?? null;
  }

  private async findOrCreateApp(): Promise<Application> {
    const existing = await this.storage.applications.get(OPERATIONAL_APP_UID);
    if (existing) return existing;
    const now = this.clock.nowMs();
    const app: Application = {
      id: newId("application"),
      uid: OPERATIONAL_APP_UID,
      name: "Hooklane operational webhooks",
      rateLimit: null,
      metadata: {},
      endpointVerification: false,
      createdAt: now,
      updatedAt: now,
    };
    try {
      await this.storage.applications.create(app);
      return app;
    } catch (error) {
      if (error instanceof HooklaneError && error.kind === "conflict") {
        const winner = await this.storage.applications.get(OPERATIONAL_APP_UID);
        if (winner) return winner;
      }
      throw error;
    }
  }
}
