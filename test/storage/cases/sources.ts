// Conformance: inbound sources, the requests they store with their forwarded message in one
// transaction, deduplication by delivery id within a window, and the shared token bucket.
import { expect } from "vitest";
import type { InboundRequest, Source } from "../../../src/domain/source.js";
import { newId } from "../../../src/lib/ids.js";
import type { Storage } from "../../../src/storage/contract.js";
import { appWithEndpoint, makeMessage, T0 } from "../fixtures.js";
import { conformance, errorKind, type CaseContext } from "./context.js";

export function makeSource(appId: string, overrides: Partial<Source> = {}): Source {
  return {
    id: newId("source"),
    uid: null,
    name: "Stripe",
    appId,
    verification: { type: "stripe", secret: "whsec_stripe_test", toleranceSeconds: 300 },
    eventType: { from: "json", path: "type" },
    deliveryIdHeader: null,
    maxBodyBytes: null,
    rateLimit: null,
    rateBurst: null,
    dedupeWindowSeconds: 3600,
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  };
}

/** Receives one request through `storage`, forwarded as a message to `endpointId`. */
export function receive(storage: Storage, source: Source, endpointId: string, at: number, deliveryId: string | null) {
  const message = makeMessage(source.appId, { createdAt: at, payload: '{"id":"evt_1"}' });
  const request: InboundRequest = {
    id: newId("inboundRequest"),
    sourceId: source.id,
    headers: { "content-type": "application/json", "stripe-signature": "t=1,v1=ab" },
    // Not UTF-8: the bytes must come back exactly.
    body: Buffer.from([0x7b, 0xff, 0x00, 0x7d]),
    deliveryId,
    eventType: "invoice.paid",
    messageId: message.id,
    receivedAt: at,
  };
  const forward = { message, deliveries: [{ id: newId("delivery"), endpointId }], firstAttemptAt: at };
  return {
    request,
    message,
    outcome: storage.sources.receive(request, forward, at - source.dedupeWindowSeconds * 1000),
  };
}

export function sourceCases(t: CaseContext): void {
  conformance(t, "sources: create, get by id or uid, list, update, delete; uid conflicts", async () => {
    const s = t.storage();
    const { app } = await appWithEndpoint(s);
    const source = makeSource(app.id, { uid: "stripe-live" });
    await s.sources.create(source);
    expect(await s.sources.get(source.id)).toEqual(source);
    expect(await s.sources.get("stripe-live")).toEqual(source);
    expect(await errorKind(s.sources.create(makeSource(app.id, { uid: "stripe-live" })))).toBe("conflict");

    const other = makeSource(app.id, { verification: { type: "none", secret: null }, rateLimit: 5, rateBurst: 10 });
    await s.sources.create(other);
    const page = await s.sources.list({ limit: 1 });
    expect(page.items.map((x) => x.id)).toEqual([source.id]);
    expect((await s.sources.list({ limit: 1, iterator: page.iterator })).items).toEqual([other]);

    const updated: Source = {
      ...source,
      name: "GitHub",
      verification: {
        type: "hmac",
        secret: "s3",
        header: "x-sig",
        algorithm: "sha512",
        encoding: "base64",
        prefix: "v=",
      },
      eventType: { from: "header", name: "x-event", fallback: "unknown" },
      deliveryIdHeader: "x-delivery",
      maxBodyBytes: 2048,
      updatedAt: T0 + 5,
    };
    await s.sources.update(updated);
    expect(await s.sources.get(source.id)).toEqual(updated);
    await s.sources.delete(source.id);
    expect(await s.sources.get(source.id)).toBeNull();
  });

  conformance(t, "sources: a received request is stored exactly, with its message and deliveries", async () => {
    const s = t.storage();
    const { app, endpoint } = await appWithEndpoint(s);
    const source = makeSource(app.id);
    await s.sources.create(source);
    const { request, message, outcome } = receive(s, source, endpoint.id, T0, "evt_1");
    expect(await outcome).toEqual({ kind: "stored" });
    expect(await s.sources.getRequest(source.id, request.id)).toEqual(request);
    expect(await s.messages.get(app.id, message.id)).toEqual(message);
    const stats = await s.deliveries.stats(endpoint.id, {}, T0);
    expect(stats.pending).toBe(1);
    const listed = await s.sources.listRequests(source.id, { limit: 10 });
    expect(listed.items.map((r) => r.id)).toEqual([request.id]);
  });

  conformance(
    t,
    "sources: a repeated delivery id inside the window stores nothing; after it, a new request",
    async () => {
      const s = t.storage();
      const { app, endpoint } = await appWithEndpoint(s);
      const source = makeSource(app.id, { dedupeWindowSeconds: 60 });
      await s.sources.create(source);
      const first = receive(s, source, endpoint.id, T0, "evt_1");
      await first.outcome;

      // From another process too: the id is shared through the database.
      const other = await t.another();
      const repeat = receive(other, source, endpoint.id, T0 + 59_000, "evt_1");
      expect(await repeat.outcome).toEqual({ kind: "duplicate", of: first.request });
      expect(await s.messages.get(app.id, repeat.message.id)).toBeNull();
      expect(await s.sources.getRequest(source.id, repeat.request.id)).toBeNull();

      // No delivery id: never a duplicate.
      expect(await receive(s, source, endpoint.id, T0 + 1, null).outcome).toEqual({ kind: "stored" });
      expect(await receive(s, source, endpoint.id, T0 + 2, null).outcome).toEqual({ kind: "stored" });

      const late = receive(s, source, endpoint.id, T0 + 61_000, "evt_1");
      expect(await late.outcome).toEqual({ kind: "stored" });
      expect((await s.sources.getRequest(source.id, late.request.id))!.deliveryId).toBe("evt_1");
      expect((await s.sources.listRequests(source.id, { limit: 10 })).items).toHaveLength(4);
    },
  );

  conformance(t, "sources: concurrent repeats of one delivery id store one request", async () => {
    const s = t.storage();
    const { app, endpoint } = await appWithEndpoint(s);
    const source = makeSource(app.id);
    await s.sources.create(source);
    const other = await t.another();
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => receive(i % 2 ? other : s, source, endpoint.id, T0, "evt_race").outcome),
    );
    expect(results.filter((r) => r.kind === "stored")).toHaveLength(1);
    expect((await s.sources.listRequests(source.id, { limit: 10 })).items).toHaveLength(1);
    expect((await s.deliveries.stats(endpoint.id, {}, T0)).pending).toBe(1);
  });

  conformance(t, "sources: the token bucket admits a burst, refills at the rate, and is shared", async () => {
    const s = t.storage();
    const { app } = await appWithEndpoint(s);
    const source = makeSource(app.id, { rateLimit: 2, rateBurst: 3 });
    await s.sources.create(source);
    const other = await t.another();
    const take = (storage: Storage, at: number) => storage.sources.takeToken(source.id, 2, 3, at);
    expect(await take(s, T0)).toEqual({ allowed: true });
    expect(await take(other, T0)).toEqual({ allowed: true });
    expect(await take(s, T0)).toEqual({ allowed: true });
    // The bucket is empty: the next token comes one interval (500 ms) later.
    expect(await take(other, T0)).toEqual({ allowed: false, retryAfterMs: 500 });
    expect(await take(s, T0 + 499)).toEqual({ allowed: false, retryAfterMs: 1 });
    expect(await take(s, T0 + 500)).toEqual({ allowed: true });
    // A quiet spell fills the bucket to the burst, not beyond.
    const later = T0 + 60_000;
    for (let i = 0; i < 3; i++) expect(await take(other, later)).toEqual({ allowed: true });
    expect((await take(s, later)).allowed).toBe(false);
  });
}
