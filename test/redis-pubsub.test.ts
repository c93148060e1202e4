// The golang-wehook style pub/sub adapter and the direct-send REST route.
import { afterEach, describe, expect, it } from "vitest";
import { redisFixture, REDIS_URL, type RedisFixture } from "./helpers/redis.js";
import { startReceiver, type Receiver } from "./helpers/receiver.js";
import { startTestServer, type TestServer } from "./helpers/server.js";
import { waitFor } from "./helpers/wait.js";

let server: TestServer | undefined;
let receiver: Receiver | undefined;
let fixture: RedisFixture | undefined;

afterEach(async () => {
  await server?.stop();
  await receiver?.close();
  await fixture?.cleanup();
  server = receiver = fixture = undefined;
});

describe("direct sends", () => {
  it("POST /api/v1/send stores, signs and delivers to a URL with no endpoint registered", async () => {
    receiver = await startReceiver();
    server = await startTestServer();
    const url = receiver.url("/direct");
    const sent = await server.api("POST", "/api/v1/send", {
      url,
      data: { hello: "world" },
      eventType: "greeting",
      eventId: "evt-direct-1",
      headers: { "X-Secret-Hash": "abc" },
    });
    expect(sent.status).toBe(202);
    expect(sent.body).toMatchObject({ eventType: "greeting", eventId: "evt-direct-1", payload: { hello: "world" } });
    const [request] = await waitFor(() => (receiver!.requests.length > 0 ? receiver!.requests : null));
    expect(JSON.parse(request!.body)).toEqual({ hello: "world" });
    expect(request!.headers["x-secret-hash"]).toBe("abc");
    expect(request!.headers["webhook-id"]).toBe(sent.body.id);

    // A second URL gets its own endpoint; the same URL reuses its endpoint.
    await server.api("POST", "/api/v1/send", { url, payload: { n: 2 } });
    await server.api("POST", "/api/v1/send", { url: receiver.url("/other"), payload: { n: 3 } });
    await waitFor(() => receiver!.requests.length === 3);
    const endpoints = await server.api("GET", "/api/v1/app/direct/endpoint");
    expect(endpoints.body.data.map((e: any) => e.url).sort()).toEqual([url, receiver.url("/other")].sort());
    // Both were signed with the same default secret.
    const secrets = await Promise.all(
      endpoints.body.data.map(
        async (e: any) => (await server!.api("GET", `/api/v1/app/direct/endpoint/${e.id}/secret`)).body.key,
      ),
    );
    expect(new Set(secrets).size).toBe(1);
    expect((await server.api("GET", "/api/v1/app/direct/msg/evt-direct-1")).body.id).toBe(sent.body.id);
  });

  it("rejects a bad URL, a missing payload and reserved headers with 422", async () => {
    server = await startTestServer();
    for (const body of [
      { url: "ftp://127.0.0.1/x", payload: {} },
      { url: "http://127.0.0.1:1/x" },
      { url: "http://127.0.0.1:1/x", payload: {}, headers: { "webhook-signature": "forged" } },
    ]) {
      expect((await server.api("POST", "/api/v1/send", body)).status).toBe(422);
    }
  });
});

describe("Redis pub/sub ingest (golang-wehook)", () => {
  it("stores and delivers {url, webhookId, data} messages from the channel", async () => {
    fixture = await redisFixture();
    receiver = await startReceiver();
    const fx = fixture;
    server = await startTestServer({
      redisUrl: REDIS_URL,
      redisStream: fx.names.stream,
      redisStatusStream: fx.names.status,
      redisGroup: fx.names.group,
      redisConsumer: fx.names.consumer,
      redisPubsubChannel: fx.names.channel,
    });
    const s = server;
    await waitFor(
      async () => {
        const health = (await s.api("GET", "/api/v1/health?verbose=true")).body;
        return health.components.find((c: any) => c.name === "redis-pubsub")?.state === "up";
      },
      { what: "the subscription" },
    );
    const url = receiver.url("/payments");
    await fx.redis.publish(fx.names.channel, JSON.stringify({ url, webhookId: "pay-1", data: { amount: 10 } }));
    await fx.redis.publish(fx.names.channel, "not json");
    await fx.redis.publish(fx.names.channel, JSON.stringify({ url, webhookId: "pay-2", data: { amount: 20 } }));
    await waitFor(() => receiver!.forPath("/payments").length === 2);
    expect(
      receiver
        .forPath("/payments")
        .map((r) => JSON.parse(r.body).amount)
        .sort(),
    ).toEqual([10, 20]);
    const health = (await s.api("GET", "/api/v1/health?verbose=true")).body;
    expect(health.components.find((c: any) => c.name === "redis-pubsub").counters).toMatchObject({
      stored: 2,
      malformed: 1,
    });
  });
});
