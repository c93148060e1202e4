// Direct-URL sends: a message that names its destination URL, with no application or endpoint
// registered first (the Sendhooks / golang-wehook model). Each URL gets one endpoint in a
// reserved application, so direct messages are stored, signed, retried and listed like others.
import { createHash } from "node:crypto";
import { createEndpointRecord } from "../domain/endpoint.js";
import type { Application, Endpoint, Message, MessageOrigin } from "../domain/model.js";
import { newSecret } from "../domain/signing.js";
import type { Clock } from "../lib/clock.js";
import { HooklaneError, invalid } from "../lib/errors.js";
import { newId } from "../lib/ids.js";
import type { Storage } from "../storage/contract.js";
import type { Publisher } from "./publish.js";

/** uid of the application that owns every direct endpoint. */
export const DIRECT_APP_UID = "direct";
const SECRET_SETTING = "directSecret";

export interface DirectSendInput {
  url: string;
  payload: unknown;
  eventType?: string | undefined;
  eventId?: string | null | undefined;
  headers?: Record<string, string> | null | undefined;
  origin?: MessageOrigin | null | undefined;
}

/** The configured secret, or the one stored at first start (generated then). */
export async function resolveDirectSecret(
  storage: Storage,
  configured: string | undefined,
  clock: Clock,
): Promise<string> {
  return configured ?? (await storage.settings.getOrInit(SECRET_SETTING, newSecret(), clock.nowMs()));
}

/**
 * The endpoint uid of a URL: deterministic, so every instance finds the same endpoint, and
 * the unique (app, uid) index makes concurrent first sends to a URL agree on one.
 */
export function directEndpointUid(url: string): string {
  return "url-" + createHash("sha256").update(url).digest("hex").slice(0, 40);
}

/** A URL a direct send may name: absolute http(s). The address policy still applies at send time. */
export function checkDirectUrl(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "url is not a valid absolute URL";
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return "url must be http or https";
  return null;
}

export class DirectSender {
  constructor(
    private readonly storage: Storage,
    private readonly publisher: Publisher,
    private readonly clock: Clock,
    private readonly secret: string,
  ) {}

  async send(input: DirectSendInput): Promise<Message> {
    const problem = checkDirectUrl(input.url);
    if (problem) throw invalid(["body", "url"], problem);
    const app = await this.application();
    const endpoint = await this.endpointFor(app, input.url);
    return this.publisher.publish(app, {
      eventType: input.eventType ?? "direct",
      payload: input.payload,
      eventId: input.eventId,
      headers: input.headers,
      origin: input.origin,
      endpoint,
    });
  }

  /** The reserved application; created on first use. Looked up each time, as deleting it is allowed. */
  async application(): Promise<Application> {
    const existing = await this.storage.applications.get(DIRECT_APP_UID);
    if (existing) return existing;
    const now = this.clock.nowMs();
    const app: Application = {
      id: newId("application"),
      uid: DIRECT_APP_UID,
      name: "Direct sends",
      rateLimit: null,
      metadata: {},
      endpointVerification: false,
      createdAt: now,
      updatedAt: now,
    };
    return this.createOrLoad(
      () => this.storage.applications.create(app),
      () => this.storage.applications.get(DIRECT_APP_UID),
      app,
    );
  }

  private async endpointFor(app: Application, url: string): Promise<Endpoint> {
    const uid = directEndpointUid(url);
    const existing = await this.storage.endpoints.get(app.id, uid);
    if (existing) return existing;
    const endpoint = createEndpointRecord({
      appId: app.id,
      uid,
      url,
      description: "Direct sends to this URL",
      secret: this.secret,
      now: this.clock.nowMs(),
    });
    return this.createOrLoad(
      () => this.storage.endpoints.create(endpoint),
      () => this.storage.endpoints.get(app.id, uid),
      endpoint,
    );
  }

  /** Creates `created`, or when another process won the race on its uid, loads theirs. */
  private async createOrLoad<T>(create: () => Promise<void>, load: () => Promise<T | null>, created: T): Promise<T> {
    try {
      await create();
      return created;
    } catch (error) {
      if (!(error instanceof HooklaneError && error.kind === "conflict")) throw error;
      const winner = await load();
      if (!winner) throw error;
      return winner;
    }
  }
}
