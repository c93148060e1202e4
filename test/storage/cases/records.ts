// Conformance: CRUD of applications, event types, endpoints, tokens and idempotency keys.
import { expect } from "vitest";
import { newId } from "../../../src/lib/ids.js";
import { appWithEndpoint, makeApp, makeEndpoint, makeEventType, makeMessage, publish, T0 } from "../fixtures.js";
import { conformance, errorKind, type CaseContext } from "./context.js";

export function recordCases(t: CaseContext): void {
  conformance(t, "applications: create, get by id or uid, update, delete", async () => {
    const s = t.storage();
    const app = makeApp({ uid: "acme", metadata: { tier: "gold" }, rateLimit: 5 });
    await s.applications.create(app);
    expect(await s.applications.get(app.id)).toEqual(app);
    expect(await s.applications.get("acme")).toEqual(app);
    expect(await s.applications.get("nope")).toBeNull();
    const updated = { ...app, uid: "acme-2", name: "Acme 2", rateLimit: null, metadata: {}, updatedAt: T0 + 1 };
    await s.applications.update(updated);
    expect(await s.applications.get("acme-2")).toEqual(updated);
    expect(await s.applications.get("acme")).toBeNull();
    await s.applications.delete(app.id);
    expect(await s.applications.get(app.id)).toBeNull();
  });

  conformance(
    t,
    "endpoints: health runs start on failure, end on success, and disable on 410 or a long run",
    async () => {
      const s = t.storage();
      const { app, endpoint: steady } = await appWithEndpoint(s);
      const gone = makeEndpoint(app.id);
      const flaky = makeEndpoint(app.id);
      await s.endpoints.create(gone);
      await s.endpoints.create(flaky);

      // First failures start the run; nothing is disabled yet, except the 410.
      const first = await s.endpoints.recordHealth(
        { succeeded: [], failed: [steady.id, flaky.id], gone: [gone.id] },
        T0,
        T0 - 1000,
      );
      expect(first.map((d) => d.id)).toEqual([gone.id]);
      expect(first[0]).toMatchObject({ appId: app.id, failingSince: T0, reason: expect.stringContaining("410") });
      expect((await s.endpoints.get(app.id, steady.id))!.failingSince).toBe(T0);

      // A success ends flaky's run; steady keeps failing and passes the window.
      const later = T0 + 5000;
      const second = await s.endpoints.recordHealth(
        { succeeded: [flaky.id], failed: [steady.id], gone: [] },
        later,
        later - 1000,
      );
      expect(second.map((d) => d.id)).toEqual([steady.id]);
      expect(second[0]!.failingSince).toBe(T0);
      const flakyNow = (await s.endpoints.get(app.id, flaky.id))!;
      expect(flakyNow).toMatchObject({ failingSince: null, disabled: false, disabledReason: null });
      expect((await s.endpoints.get(app.id, steady.id))!).toMatchObject({
        disabled: true,
        disabledReason: expect.any(String),
      });

      // Already disabled endpoints are not reported twice.
      expect(
        await s.endpoints.recordHealth({ succeeded: [], failed: [steady.id], gone: [gone.id] }, later + 1, later),
      ).toEqual([]);
    },
  );

  conformance(t, "applications: a taken uid is a conflict on create and update", async () => {
    const s = t.storage();
    await s.applications.create(makeApp({ uid: "taken" }));
    expect(await errorKind(s.applications.create(makeApp({ uid: "taken" })))).toBe("conflict");
    const other = makeApp({ uid: "free" });
    await s.applications.create(other);
    expect(await errorKind(s.applications.update({ ...other, uid: "taken" }))).toBe("conflict");
    // Many applications may have no uid.
    await s.applications.create(makeApp());
    await s.applications.create(makeApp());
  });

  conformance(t, "applications: delete removes endpoints, messages, deliveries, attempts and tokens", async () => {
    const s = t.storage();
    const { app, endpoint } = await appWithEndpoint(s);
    const { message } = await publish(s, app.id, [endpoint.id]);
    const [claimed] = await s.deliveries.claimDue(claimAll("w", T0));
    const attemptId = newId("attempt");
    await s.deliveries.complete(
      [
        {
          deliveryId: claimed!.delivery.id,
          leaseOwner: "w",
          completion: { kind: "succeeded" },
          attempt: { ...baseAttempt(message.id, endpoint.id, app.id), id: attemptId },
        },
      ],
      T0,
    );
    await s.tokens.save({ id: newId("token"), hash: "h-app", appId: app.id, expiresAt: null, createdAt: T0 });
    await s.applications.delete(app.id);
    expect(await s.endpoints.get(app.id, endpoint.id)).toBeNull();
    expect(await s.messages.get(app.id, message.id)).toBeNull();
    expect(await s.attempts.get(app.id, message.id, attemptId)).toBeNull();
    expect(await s.tokens.findByHash("h-app")).toBeNull();
    expect((await s.deliveries.listForEndpoint(app.id, endpoint.id, { limit: 10 })).items).toEqual([]);
  });

  conformance(t, "event types: create, get, list without archived, update, delete, duplicate name", async () => {
    const s = t.storage();
    const paid = makeEventType({ name: "invoice.paid", schemas: { "1": { type: "object" } } });
    const old = makeEventType({ name: "invoice.old", archived: true, featureFlag: "beta" });
    await s.eventTypes.create(paid);
    await s.eventTypes.create(old);
    expect(await s.eventTypes.get("invoice.paid")).toEqual(paid);
    expect(await errorKind(s.eventTypes.create(makeEventType({ name: "invoice.paid" })))).toBe("conflict");
    expect((await s.eventTypes.list({ limit: 10, includeArchived: false })).items.map((e) => e.name)).toEqual([
      "invoice.paid",
    ]);
    expect((await s.eventTypes.list({ limit: 10, includeArchived: true })).items.map((e) => e.name)).toEqual([
      "invoice.old",
      "invoice.paid",
    ]);
    await s.eventTypes.update({ ...paid, description: "changed", deprecated: true, updatedAt: T0 + 5 });
    expect(await s.eventTypes.get("invoice.paid")).toMatchObject({ description: "changed", deprecated: true });
    await s.eventTypes.delete("invoice.paid");
    expect(await s.eventTypes.get("invoice.paid")).toBeNull();
  });

  conformance(t, "endpoints: scoped to their application, uid unique per application", async () => {
    const s = t.storage();
    const a = makeApp();
    const b = makeApp();
    await s.applications.create(a);
    await s.applications.create(b);
    const ep = makeEndpoint(a.id, {
      uid: "main",
      eventTypes: ["invoice.paid"],
      channels: ["eu"],
      headers: { "x-team": "billing" },
      metadata: { owner: "ops" },
      retiredSecrets: [{ key: "whsec_old", expiresAt: T0 + 1000 }],
      rateLimit: 10,
      disabled: true,
    });
    await s.endpoints.create(ep);
    expect(await s.endpoints.get(a.id, ep.id)).toEqual(ep);
    expect(await s.endpoints.get(a.id, "main")).toEqual(ep);
    expect(await s.endpoints.get(b.id, ep.id)).toBeNull();
    expect(await s.endpoints.get(b.id, "main")).toBeNull();
    expect(await errorKind(s.endpoints.create(makeEndpoint(a.id, { uid: "main" })))).toBe("conflict");
    await s.endpoints.create(makeEndpoint(b.id, { uid: "main" }));
    const updated = { ...ep, url: "https://example.org/x", disabled: false, eventTypes: null, updatedAt: T0 + 1 };
    await s.endpoints.update(updated);
    expect(await s.endpoints.get(a.id, ep.id)).toEqual(updated);
    const second = makeEndpoint(a.id, { uid: "second" });
    await s.endpoints.create(second);
    expect(await errorKind(s.endpoints.update({ ...second, uid: "main" }))).toBe("conflict");
    expect((await s.endpoints.listForRouting(a.id)).map((e) => e.id)).toEqual([ep.id, second.id]);
  });

  conformance(t, "endpoints: delete removes their pending deliveries but keeps attempts", async () => {
    const s = t.storage();
    const { app, endpoint } = await appWithEndpoint(s);
    const { message } = await publish(s, app.id, [endpoint.id]);
    const [claimed] = await s.deliveries.claimDue(claimAll("w", T0));
    const attempt = baseAttempt(message.id, endpoint.id, app.id);
    await s.deliveries.complete(
      [
        {
          deliveryId: claimed!.delivery.id,
          leaseOwner: "w",
          attempt,
          completion: { kind: "retry", nextAttemptAt: T0 },
        },
      ],
      T0,
    );
    await s.endpoints.delete(app.id, endpoint.id);
    expect(await s.endpoints.get(app.id, endpoint.id)).toBeNull();
    expect(await s.deliveries.claimDue(claimAll("w2", T0 + 1))).toEqual([]);
    expect(await s.attempts.get(app.id, message.id, attempt.id)).toMatchObject({ id: attempt.id });
  });

  conformance(t, "messages: get by id or eventId, duplicate eventId is a conflict that stores nothing", async () => {
    const s = t.storage();
    const { app, endpoint } = await appWithEndpoint(s);
    const other = makeApp();
    await s.applications.create(other);
    const { message } = await publish(s, app.id, [endpoint.id], T0, {
      eventId: "evt-1",
      channels: ["eu"],
      tags: ["t"],
    });
    expect(await s.messages.get(app.id, message.id)).toEqual(message);
    expect(await s.messages.get(app.id, "evt-1")).toEqual(message);
    expect(await s.messages.get(other.id, message.id)).toBeNull();
    const duplicate = makeMessage(app.id, { eventId: "evt-1" });
    const kind = await errorKind(
      s.messages.create(duplicate, [{ id: newId("delivery"), endpointId: endpoint.id }], T0),
    );
    expect(kind).toBe("conflict");
    expect(await s.messages.get(app.id, duplicate.id)).toBeNull();
    expect((await s.deliveries.claimDue(claimAll("w", T0))).map((c) => c.message.id)).toEqual([message.id]);
    // eventId is unique per application only.
    await s.messages.create(makeMessage(other.id, { eventId: "evt-1" }), [], T0);
  });

  conformance(t, "messages: per-message headers and origin are stored and read back", async () => {
    const s = t.storage();
    const { app, endpoint } = await appWithEndpoint(s);
    const { message } = await publish(s, app.id, [endpoint.id], T0, {
      headers: { "X-Secret-Hash": "abc" },
      origin: { source: "redis-stream", webhookId: "w-1", stream: "hooks", entryId: "1-0" },
    });
    expect(await s.messages.get(app.id, message.id)).toEqual(message);
    expect((await s.deliveries.claimDue(claimAll("w", T0)))[0]!.message).toEqual(message);
  });

  conformance(t, "settings: the first stored value wins", async () => {
    const s = t.storage();
    expect(await s.settings.getOrInit("k", "first", T0)).toBe("first");
    expect(await s.settings.getOrInit("k", "second", T0)).toBe("first");
  });

  conformance(t, "messages: expunging the payload keeps the message", async () => {
    const s = t.storage();
    const { app, endpoint } = await appWithEndpoint(s);
    const { message } = await publish(s, app.id, [endpoint.id]);
    await s.messages.expungePayload(app.id, message.id);
    expect(await s.messages.get(app.id, message.id)).toEqual({ ...message, payload: null });
  });

  conformance(t, "tokens: save, find by hash, admin detection", async () => {
    const s = t.storage();
    const app = makeApp();
    await s.applications.create(app);
    expect(await s.tokens.hasAdmin()).toBe(false);
    const appToken = { id: newId("token"), hash: "h1", appId: app.id, expiresAt: T0 + 10, createdAt: T0 };
    await s.tokens.save(appToken);
    expect(await s.tokens.hasAdmin()).toBe(false);
    expect(await s.tokens.findByHash("h1")).toEqual(appToken);
    expect(await s.tokens.findByHash("h2")).toBeNull();
    await s.tokens.save({ id: newId("token"), hash: "h2", appId: null, expiresAt: null, createdAt: T0 });
    expect(await s.tokens.hasAdmin()).toBe(true);
  });

  conformance(t, "idempotency: first response wins, expiry window, prune", async () => {
    const s = t.storage();
    await s.idempotency.put({ key: "k1", statusCode: 202, body: '{"id":1}', createdAt: T0 });
    await s.idempotency.put({ key: "k1", statusCode: 500, body: "second", createdAt: T0 + 1 });
    expect(await s.idempotency.get("k1", T0)).toEqual({ key: "k1", statusCode: 202, body: '{"id":1}', createdAt: T0 });
    expect(await s.idempotency.get("k1", T0 + 1)).toBeNull();
    expect(await s.idempotency.get("k2", 0)).toBeNull();
    await s.idempotency.put({ key: "k2", statusCode: 200, body: "", createdAt: T0 + 100 });
    expect(await s.idempotency.prune(T0 + 50)).toBe(1);
    expect(await s.idempotency.get("k1", 0)).toBeNull();
    expect(await s.idempotency.get("k2", 0)).not.toBeNull();
  });
}

export function baseAttempt(messageId: string, endpointId: string, appId: string) {
  return {
    id: newId("attempt"),
    messageId,
    endpointId,
    appId,
    url: "https://example.com/hook",
    status: 0 as const,
    responseStatusCode: 200,
    response: "ok",
    responseDurationMs: 3,
    trigger: 0 as const,
    createdAt: T0,
  };
}

/** A claim request that takes everything due at `nowMs`. */
export function claimAll(
  leaseOwner: string,
  nowMs: number,
  overrides: Partial<{ limit: number; perEndpointLimit: number; leaseMs: number; excludeEndpointIds: string[] }> = {},
) {
  return {
    leaseOwner,
    nowMs,
    leaseMs: 10_000,
    limit: 100,
    perEndpointLimit: 100,
    excludeEndpointIds: [],
    ...overrides,
  };
}
