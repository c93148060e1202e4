// End-to-end through the official svix SDK against a real server and a real receiver.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Svix, Webhook, ApiException } from "svix";
import { Webhook as StandardWebhook } from "standardwebhooks";
import { startReceiver, type Receiver } from "./helpers/receiver.js";
import { startTestServer, type TestServer } from "./helpers/server.js";
import { waitFor } from "./helpers/wait.js";

let server: TestServer;
let receiver: Receiver;

beforeAll(async () => {
  receiver = await startReceiver();
  server = await startTestServer();
});

afterAll(async () => {
  await server.stop();
  await receiver.close();
});

const uniq = (() => {
  let n = 0;
  return (prefix: string) => `${prefix}-${Date.now()}-${++n}`;
})();

function verifyWith(secret: string, r: { headers: Record<string, string>; body: string }): unknown {
  return new Webhook(secret).verify(r.body, {
    "webhook-id": r.headers["webhook-id"]!,
    "webhook-timestamp": r.headers["webhook-timestamp"]!,
    "webhook-signature": r.headers["webhook-signature"]!,
  });
}

async function statusOf(error: unknown): Promise<number> {
  expect(error).toBeInstanceOf(ApiException);
  return (error as ApiException<unknown>).code;
}

describe("svix SDK against Hooklane", () => {
  it("fans a message out to endpoints whose filters and channels match, signed", async () => {
    const app = await server.svix.application.create({ name: "Acme", uid: uniq("acme") });
    const paths = {
      all: uniq("/all"),
      invoices: uniq("/inv"),
      users: uniq("/usr"),
      chan: uniq("/chan"),
      disabled: uniq("/off"),
    };
    const all = await server.svix.endpoint.create(app.id, { url: receiver.url(paths.all) });
    const invoices = await server.svix.endpoint.create(app.id, {
      url: receiver.url(paths.invoices),
      filterTypes: ["invoice.paid"],
    });
    await server.svix.endpoint.create(app.id, { url: receiver.url(paths.users), filterTypes: ["user.created"] });
    await server.svix.endpoint.create(app.id, { url: receiver.url(paths.chan), channels: ["project-1"] });
    await server.svix.endpoint.create(app.id, { url: receiver.url(paths.disabled), disabled: true });
    expect(invoices.filterTypes).toEqual(["invoice.paid"]);

    const msg = await server.svix.message.create(app.id, {
      eventType: "invoice.paid",
      payload: { id: 1, amount: 42 },
      eventId: uniq("evt"),
    });
    expect(msg.id).toMatch(/^msg_/);

    await waitFor(() => receiver.forPath(paths.all).length === 1 && receiver.forPath(paths.invoices).length === 1, {
      what: "fan-out",
    });
    const withChannel = await server.svix.message.create(app.id, {
      eventType: "user.created",
      payload: { id: 2 },
      channels: ["project-1"],
    });
    await waitFor(() => receiver.forPath(paths.chan).length === 1 && receiver.forPath(paths.users).length === 1, {
      what: "channel delivery",
    });

    // Give any wrong delivery a chance to show up, then check nothing went where it should not.
    await waitFor(async () => (await server.svix.messageAttempt.listByMsg(app.id, withChannel.id)).data.length === 3);
    expect(receiver.forPath(paths.all)).toHaveLength(2);
    expect(receiver.forPath(paths.invoices)).toHaveLength(1);
    expect(receiver.forPath(paths.disabled)).toHaveLength(0);
    expect(receiver.forPath(paths.chan)).toHaveLength(1);

    const received = receiver.forPath(paths.invoices)[0]!;
    expect(received.headers["webhook-id"]).toBe(msg.id);
    expect(JSON.parse(received.body)).toEqual({ id: 1, amount: 42 });
    const secret = (await server.svix.endpoint.getSecret(app.id, invoices.id)).key;
    expect(verifyWith(secret, received)).toEqual({ id: 1, amount: 42 });
    expect(new StandardWebhook(secret).verify(received.body, received.headers)).toEqual({ id: 1, amount: 42 });
    const allSecret = (await server.svix.endpoint.getSecret(app.id, all.id)).key;
    expect(() => verifyWith(allSecret, received)).toThrow();
  });

  it("retries a failing endpoint until it succeeds, keeping webhook-id", async () => {
    const app = await server.svix.application.create({ name: "Retry" });
    const path = uniq("/flaky");
    receiver.on(path, (_r, count) => (count < 3 ? { status: 500, body: "not yet" } : { status: 204 }));
    const endpoint = await server.svix.endpoint.create(app.id, { url: receiver.url(path) });
    const msg = await server.svix.message.create(app.id, { eventType: "order.created", payload: { n: 1 } });
    await waitFor(() => receiver.forPath(path).length === 3, { what: "three attempts" });
    expect(new Set(receiver.forPath(path).map((r) => r.headers["webhook-id"]))).toEqual(new Set([msg.id]));

    const attempts = await waitFor(async () => {
      const list = await server.svix.messageAttempt.listByMsg(app.id, msg.id);
      return list.data.length === 3 ? list : null;
    });
    const codes = attempts.data.map((a) => a.responseStatusCode).sort();
    expect(codes).toEqual([204, 500, 500]);
    expect(attempts.data.find((a) => a.responseStatusCode === 500)!.response).toBe("not yet");
    const destinations = await server.svix.messageAttempt.listAttemptedDestinations(app.id, msg.id);
    expect(destinations.data[0]!.id).toBe(endpoint.id);
    expect(destinations.data[0]!.status).toBe(0);
    const stats = await server.svix.endpoint.getStats(app.id, endpoint.id);
    expect(stats.success).toBe(1);
  });

  it("gives up after the schedule is exhausted, then delivers again on resend", async () => {
    const app = await server.svix.application.create({ name: "Exhaust" });
    const path = uniq("/down");
    let up = false;
    receiver.on(path, () => (up ? { status: 200 } : { status: 503, body: "down" }));
    const endpoint = await server.svix.endpoint.create(app.id, { url: receiver.url(path) });
    const msg = await server.svix.message.create(app.id, { eventType: "a.b", payload: {} });
    // Schedule [0.2, 0.2, 0.2] s → 4 attempts, then the delivery fails for good.
    await waitFor(async () => (await server.svix.endpoint.getStats(app.id, endpoint.id)).fail === 1, {
      what: "exhaustion",
    });
    expect(receiver.forPath(path)).toHaveLength(4);
    const failed = await server.svix.messageAttempt.listByEndpoint(app.id, endpoint.id, { status: 2 });
    expect(failed.data).toHaveLength(4);

    up = true;
    await server.svix.messageAttempt.resend(app.id, msg.id, endpoint.id);
    await waitFor(() => receiver.forPath(path).length === 5, { what: "resend" });
    const attempts = await waitFor(async () => {
      const list = await server.svix.messageAttempt.listByEndpoint(app.id, endpoint.id);
      return list.data.length === 5 ? list : null;
    });
    const manual = attempts.data.find((a) => a.responseStatusCode === 200)!;
    expect(manual.triggerType).toBe(1);
    const messages = await server.svix.messageAttempt.listAttemptedMessages(app.id, endpoint.id);
    expect(messages.data[0]!.id).toBe(msg.id);
  });

  it("signs with both secrets during a rotation's grace period, then only the new one", async () => {
    const app = await server.svix.application.create({ name: "Rotate" });
    const path = uniq("/rotate");
    const endpoint = await server.svix.endpoint.create(app.id, { url: receiver.url(path) });
    const oldSecret = (await server.svix.endpoint.getSecret(app.id, endpoint.id)).key;
    await server.svix.endpoint.rotateSecret(app.id, endpoint.id, { gracePeriodSeconds: 2 });
    const newSecret = (await server.svix.endpoint.getSecret(app.id, endpoint.id)).key;
    expect(newSecret).not.toBe(oldSecret);
    expect(newSecret).toMatch(/^whsec_/);

    await server.svix.message.create(app.id, { eventType: "x.y", payload: { during: true } });
    const during = await waitFor(() => receiver.forPath(path)[0]);
    expect(during.headers["webhook-signature"]!.split(" ")).toHaveLength(2);
    expect(verifyWith(oldSecret, during)).toEqual({ during: true });
    expect(verifyWith(newSecret, during)).toEqual({ during: true });

    await new Promise((resolve) => setTimeout(resolve, 2100)); // let the grace period end
    await server.svix.message.create(app.id, { eventType: "x.y", payload: { after: true } });
    const after = await waitFor(() => receiver.forPath(path)[1]);
    expect(after.headers["webhook-signature"]!.split(" ")).toHaveLength(1);
    expect(verifyWith(newSecret, after)).toEqual({ after: true });
    expect(() => verifyWith(oldSecret, after)).toThrow();
  });

  it("answers 409 for a duplicate eventId and keeps the first message", async () => {
    const app = await server.svix.application.create({ name: "Idem" });
    const eventId = uniq("evt");
    const first = await server.svix.message.create(app.id, { eventType: "a.b", payload: { v: 1 }, eventId });
    const error = await server.svix.message
      .create(app.id, { eventType: "a.b", payload: { v: 2 }, eventId })
      .catch((e: unknown) => e);
    expect(await statusOf(error)).toBe(409);
    const stored = await server.svix.message.get(app.id, eventId);
    expect(stored.id).toBe(first.id);
    expect(stored.payload).toEqual({ v: 1 });
  });

  it("replays the first response for a repeated idempotency-key", async () => {
    const app = await server.svix.application.create({ name: "IdemKey" });
    const key = uniq("key");
    const a = await server.svix.message.create(
      app.id,
      { eventType: "a.b", payload: { v: 1 } },
      { idempotencyKey: key },
    );
    const b = await server.svix.message.create(
      app.id,
      { eventType: "a.b", payload: { v: 2 } },
      { idempotencyKey: key },
    );
    expect(b.id).toBe(a.id);
    const list = await server.svix.message.list(app.id);
    expect(list.data).toHaveLength(1);
  });

  it("pages through 250 messages with limit/iterator, newest first, and filters them", async () => {
    const app = await server.svix.application.create({ name: "Paging" });
    const created: string[] = [];
    for (let i = 0; i < 250; i++) {
      const m = await server.svix.message.create(app.id, {
        eventType: i % 2 === 0 ? "even.event" : "odd.event",
        payload: { i },
        channels: i % 5 === 0 ? ["fives"] : undefined,
      });
      created.push(m.id);
    }
    const seen: string[] = [];
    let iterator: string | undefined;
    let pages = 0;
    for (;;) {
      const page = await server.svix.message.list(app.id, { limit: 40, iterator });
      seen.push(...page.data.map((m) => m.id));
      pages++;
      if (page.done) break;
      iterator = page.iterator ?? undefined;
    }
    expect(pages).toBe(7);
    expect(seen).toEqual([...created].reverse());

    const odd = await server.svix.message.list(app.id, { limit: 250, eventTypes: ["odd.event"] });
    expect(odd.data).toHaveLength(125);
    const fives = await server.svix.message.list(app.id, { limit: 250, channel: "fives" });
    expect(fives.data).toHaveLength(50);

    const page2 = await server.svix.message.list(app.id, { limit: 10, iterator: seen[9] });
    const back = await server.svix.message.list(app.id, { limit: 10, iterator: page2.prevIterator! });
    expect(back.data.map((m) => m.id)).toEqual(seen.slice(0, 10));
  });

  it("scopes an app-portal token to its own application", async () => {
    const mine = await server.svix.application.create({ name: "Mine", uid: uniq("mine") });
    const other = await server.svix.application.create({ name: "Other", uid: uniq("other") });
    await server.svix.message.create(other.id, { eventType: "secret.event", payload: { secret: true } });
    const access = await server.svix.authentication.appPortalAccess(mine.id, {});
    expect(access.url).toContain(access.token);
    const portal = new Svix(access.token, { serverUrl: server.url });

    const ownEndpoint = await portal.endpoint.create(mine.id, { url: receiver.url("/mine") });
    expect(ownEndpoint.id).toMatch(/^ep_/);
    expect((await portal.application.get(mine.uid!)).id).toBe(mine.id);
    expect(await statusOf(await portal.application.get(other.id).catch((e: unknown) => e))).toBe(403);
    expect(await statusOf(await portal.message.list(other.id).catch((e: unknown) => e))).toBe(403);
    expect(
      await statusOf(await portal.endpoint.create(other.id, { url: receiver.url("/x") }).catch((e: unknown) => e)),
    ).toBe(403);
    expect(await statusOf(await portal.application.list().catch((e: unknown) => e))).toBe(403);

    await portal.authentication.logout();
    expect(await statusOf(await portal.application.get(mine.id).catch((e: unknown) => e))).toBe(401);
  });

  it("covers the rest of the endpoint API: uid lookup, update, patch, headers, delete", async () => {
    const app = await server.svix.application.create({ name: "Endpoints", uid: uniq("eps") });
    const path = uniq("/headers");
    const ep = await server.svix.endpoint.create(app.uid!, {
      url: receiver.url(path),
      uid: "primary",
      description: "main",
      rateLimit: 10,
      metadata: { team: "billing" },
    });
    expect(ep.rateLimit).toBe(10);
    expect((await server.svix.endpoint.get(app.uid!, "primary")).id).toBe(ep.id);

    await server.svix.endpoint.updateHeaders(app.id, ep.id, {
      headers: { "X-Tenant": "acme", Authorization: "Bearer s3cret" },
    });
    await server.svix.endpoint.patchHeaders(app.id, ep.id, { headers: { "X-Extra": "1" } });
    const headers = await server.svix.endpoint.getHeaders(app.id, ep.id);
    expect(headers.headers).toEqual({ "X-Tenant": "acme", "X-Extra": "1" });
    expect(headers.sensitive).toEqual(["Authorization"]);

    const patched = await server.svix.endpoint.patch(app.id, ep.id, {
      description: "patched",
      filterTypes: ["only.this"],
    });
    expect(patched.description).toBe("patched");
    expect(patched.filterTypes).toEqual(["only.this"]);
    const updated = await server.svix.endpoint.update(app.id, ep.id, { url: receiver.url(path) });
    expect(updated.filterTypes ?? null).toBeNull();
    expect(updated.description).toBe("");

    await server.svix.message.create(app.id, { eventType: "any.thing", payload: { h: 1 } });
    const got = await waitFor(() => receiver.forPath(path)[0]);
    expect(got.headers["x-tenant"]).toBe("acme");
    expect(got.headers["authorization"]).toBe("Bearer s3cret");

    const example = await server.svix.endpoint.sendExample(app.id, ep.id, { eventType: "demo.example" });
    expect(example.eventType).toBe("demo.example");
    await waitFor(() => receiver.forPath(path).length === 2);

    await server.svix.endpoint.delete(app.id, ep.id);
    expect(await statusOf(await server.svix.endpoint.get(app.id, ep.id).catch((e: unknown) => e))).toBe(404);
  });

  it("manages event types and applications, and reports health", async () => {
    const name = uniq("invoice.paid").replace(/-/g, ".");
    const created = await server.svix.eventType.create({
      name,
      description: "An invoice was paid",
      schemas: { "1": { type: "object" } },
    });
    expect(created.name).toBe(name);
    expect((await server.svix.eventType.get(name)).description).toBe("An invoice was paid");
    await server.svix.eventType.update(name, { description: "changed" });
    expect((await server.svix.eventType.get(name)).description).toBe("changed");
    await server.svix.eventType.delete(name);
    expect((await server.svix.eventType.get(name)).archived).toBe(true);

    const app = await server.svix.application.getOrCreate({ name: "Once", uid: uniq("once") });
    const again = await server.svix.application.getOrCreate({ name: "Once", uid: app.uid! });
    expect(again.id).toBe(app.id);
    const renamed = await server.svix.application.update(app.id, { name: "Renamed" });
    expect(renamed.name).toBe("Renamed");
    await server.svix.application.delete(app.id);
    expect(await statusOf(await server.svix.application.get(app.id).catch((e: unknown) => e))).toBe(404);

    await server.svix.health.get();
  });

  it("recovers failed deliveries of an endpoint since a point in time", async () => {
    const app = await server.svix.application.create({ name: "Recover" });
    const path = uniq("/recover");
    let up = false;
    receiver.on(path, () => ({ status: up ? 200 : 500 }));
    const endpoint = await server.svix.endpoint.create(app.id, { url: receiver.url(path) });
    const since = new Date(Date.now() - 1000);
    await server.svix.message.create(app.id, { eventType: "a.b", payload: { n: 1 } });
    await server.svix.message.create(app.id, { eventType: "a.b", payload: { n: 2 } });
    await waitFor(async () => (await server.svix.endpoint.getStats(app.id, endpoint.id)).fail === 2, {
      what: "failures",
    });
    up = true;
    const task = await server.svix.endpoint.recover(app.id, endpoint.id, { since });
    expect(task.status).toBe("finished");
    await waitFor(async () => (await server.svix.endpoint.getStats(app.id, endpoint.id)).success === 2, {
      what: "recovery",
    });
  });
});
