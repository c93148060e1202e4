// The official svix SDK against a Hooklane on PostgreSQL (in-process, port 0): the API,
// delivery, retries, idempotency and paging behave as on SQLite.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiException, Svix, Webhook } from "svix";
import { createTestDatabase, type TestDatabase } from "./helpers/postgres.js";
import { startReceiver, type Receiver } from "./helpers/receiver.js";
import { startTestServer, type TestServer } from "./helpers/server.js";
import { waitFor } from "./helpers/wait.js";

let db: TestDatabase;
let server: TestServer;
let receiver: Receiver;

beforeAll(async () => {
  db = await createTestDatabase();
  receiver = await startReceiver();
  server = await startTestServer({ databaseUrl: db.url, databasePoolSize: 4 });
});

afterAll(async () => {
  await server?.stop();
  await receiver?.close();
  await db?.drop();
});

const statusOf = (error: unknown): number => (error as ApiException<unknown>).code;

describe("svix SDK against Hooklane on PostgreSQL", () => {
  it("delivers signed messages, retries failures, exhausts, and delivers again on resend", async () => {
    expect(server.hooklane.storage.dialect).toBe("postgres");
    const app = await server.svix.application.create({ name: "Pg", uid: "pg-app" });
    let up = false;
    receiver.on("/pg-flaky", () => (up ? { status: 204 } : { status: 500, body: "down" }));
    const endpoint = await server.svix.endpoint.create("pg-app", { url: receiver.url("/pg-flaky") });
    const msg = await server.svix.message.create(app.id, { eventType: "order.created", payload: { n: 1 } });
    // Schedule [0.2, 0.2, 0.2] s: four attempts, then the delivery fails for good.
    await waitFor(async () => (await server.svix.endpoint.getStats(app.id, endpoint.id)).fail === 1, {
      what: "exhaustion",
    });
    const requests = receiver.forPath("/pg-flaky");
    expect(requests).toHaveLength(4);
    expect(new Set(requests.map((r) => r.headers["webhook-id"]))).toEqual(new Set([msg.id]));
    const secret = (await server.svix.endpoint.getSecret(app.id, endpoint.id)).key;
    expect(
      new Webhook(secret).verify(requests[0]!.body, {
        "webhook-id": requests[0]!.headers["webhook-id"]!,
        "webhook-timestamp": requests[0]!.headers["webhook-timestamp"]!,
        "webhook-signature": requests[0]!.headers["webhook-signature"]!,
      }),
    ).toEqual({ n: 1 });

    up = true;
    await server.svix.messageAttempt.resend(app.id, msg.id, endpoint.id);
    await waitFor(async () => (await server.svix.endpoint.getStats(app.id, endpoint.id)).success === 1, {
      what: "resend delivered",
    });
    const attempts = await server.svix.messageAttempt.listByMsg(app.id, msg.id);
    expect(attempts.data.map((a) => a.responseStatusCode).sort()).toEqual([204, 500, 500, 500, 500]);
    expect(attempts.data.find((a) => a.responseStatusCode === 204)!.triggerType).toBe(1);
  });

  it("answers 409 for a duplicate eventId and replays an idempotency-key", async () => {
    const app = await server.svix.application.create({ name: "Idem" });
    const first = await server.svix.message.create(app.id, { eventType: "a.b", payload: { v: 1 }, eventId: "e-1" });
    const duplicate = await server.svix.message
      .create(app.id, { eventType: "a.b", payload: { v: 2 }, eventId: "e-1" })
      .catch((e: unknown) => e);
    expect(statusOf(duplicate)).toBe(409);
    expect((await server.svix.message.get(app.id, "e-1")).id).toBe(first.id);
    const a = await server.svix.message.create(app.id, { eventType: "a.b", payload: {} }, { idempotencyKey: "k-1" });
    const b = await server.svix.message.create(app.id, { eventType: "a.b", payload: {} }, { idempotencyKey: "k-1" });
    expect(b.id).toBe(a.id);
  });

  it("pages through messages newest first and back", async () => {
    const app = await server.svix.application.create({ name: "Paging" });
    const created: string[] = [];
    for (let i = 0; i < 90; i++) {
      created.push((await server.svix.message.create(app.id, { eventType: `e.${i % 3}`, payload: { i } })).id);
    }
    const seen: string[] = [];
    let iterator: string | undefined;
    for (;;) {
      const page = await server.svix.message.list(app.id, { limit: 40, iterator });
      seen.push(...page.data.map((m) => m.id));
      if (page.done) break;
      iterator = page.iterator ?? undefined;
    }
    expect(seen).toEqual([...created].reverse());
    expect((await server.svix.message.list(app.id, { limit: 90, eventTypes: ["e.1"] })).data).toHaveLength(30);
    const page2 = await server.svix.message.list(app.id, { limit: 10, iterator: seen[9] });
    const back = await server.svix.message.list(app.id, { limit: 10, iterator: page2.prevIterator! });
    expect(back.data.map((m) => m.id)).toEqual(seen.slice(0, 10));
  });

  it("recovers failed deliveries and scopes portal tokens", async () => {
    const app = await server.svix.application.create({ name: "Recover" });
    let up = false;
    receiver.on("/pg-recover", () => ({ status: up ? 200 : 500 }));
    const endpoint = await server.svix.endpoint.create(app.id, { url: receiver.url("/pg-recover") });
    const since = new Date(Date.now() - 1000);
    await server.svix.message.create(app.id, { eventType: "a.b", payload: { n: 1 } });
    await waitFor(async () => (await server.svix.endpoint.getStats(app.id, endpoint.id)).fail === 1, {
      what: "failure",
    });
    up = true;
    await server.svix.endpoint.recover(app.id, endpoint.id, { since });
    await waitFor(async () => (await server.svix.endpoint.getStats(app.id, endpoint.id)).success === 1, {
      what: "recovery",
    });

    const other = await server.svix.application.create({ name: "Other" });
    const access = await server.svix.authentication.appPortalAccess(app.id, {});
    const portal = new Svix(access.token, { serverUrl: server.url });
    expect((await portal.endpoint.list(app.id)).data.map((e) => e.id)).toEqual([endpoint.id]);
    expect(statusOf(await portal.message.list(other.id).catch((e: unknown) => e))).toBe(403);
  });

  it("publishes by the routing another instance just changed, though this one keeps a copy", async () => {
    // Each instance keeps the routing it read; writes elsewhere must still count at once.
    const other = await startTestServer({ databaseUrl: db.url, databasePoolSize: 2 });
    try {
      const app = await server.svix.application.create({ name: "Routing", uid: "pg-routing" });
      const first = await server.svix.endpoint.create(app.id, { url: receiver.url("/pg-routing-a") });
      const publish = async (n: number) =>
        (await server.svix.message.create("pg-routing", { eventType: "order.created", payload: { n } })).id;
      const receivedAt = (path: string) => receiver.forPath(path).map((r) => r.headers["webhook-id"]);
      const m1 = await publish(1);
      await waitFor(() => receivedAt("/pg-routing-a").includes(m1), { what: "first message" });

      const second = await other.svix.endpoint.create(app.id, { url: receiver.url("/pg-routing-b") });
      const m2 = await publish(2);
      await waitFor(() => receivedAt("/pg-routing-b").includes(m2), { what: "the new endpoint" });
      await waitFor(() => receivedAt("/pg-routing-a").includes(m2), { what: "the old endpoint" });

      await other.svix.endpoint.update(app.id, first.id, { url: receiver.url("/pg-routing-a"), disabled: true });
      await other.svix.endpoint.update(app.id, second.id, { url: receiver.url("/pg-routing-c") });
      const m3 = await publish(3);
      await waitFor(() => receivedAt("/pg-routing-c").includes(m3), { what: "the moved endpoint" });
      const attempts = await waitFor(
        async () => {
          const ids = (await server.svix.messageAttempt.listByMsg(app.id, m3)).data.map((a) => a.endpointId);
          return ids.length > 0 && ids;
        },
        { what: "the attempt recorded" },
      );
      expect(attempts).toEqual([second.id]);
      expect(receivedAt("/pg-routing-a")).toEqual([m1, m2]);
      expect(receivedAt("/pg-routing-b")).toEqual([m2]);

      // A uid that moved away no longer names the app, though this instance kept it by that uid.
      await other.svix.application.update(app.id, { name: "Routing", uid: "pg-routing-renamed" });
      expect(statusOf(await publish(4).catch((e: unknown) => e))).toBe(404);
      const m5 = await server.svix.message.create("pg-routing-renamed", { eventType: "order.created", payload: {} });
      await waitFor(() => receivedAt("/pg-routing-c").includes(m5.id), { what: "a publish by the new uid" });

      await other.svix.application.delete(app.id);
      expect(statusOf(await server.svix.message.create(app.id, { eventType: "x", payload: {} }).catch((e) => e))).toBe(
        404,
      );
    } finally {
      await other.stop();
    }
  });
});
