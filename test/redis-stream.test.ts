// The Sendhooks-compatible Redis Stream adapter end to end: a producer written exactly like
// Sendhooks' example, a real receiver, the real local Redis, and the status stream read back.
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Webhook } from "standardwebhooks";
import { afterEach, describe, expect, it } from "vitest";
import { redisFixture, REDIS_URL, type RedisFixture } from "./helpers/redis.js";
import { startReceiver, type Receiver } from "./helpers/receiver.js";
import { startTestServer, type TestServer } from "./helpers/server.js";
import { waitFor } from "./helpers/wait.js";

const GO_TIME = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{1,9})? \+0000 UTC$/;

let server: TestServer | undefined;
let receiver: Receiver | undefined;
let fixture: RedisFixture | undefined;

afterEach(async () => {
  await server?.stop();
  await receiver?.close();
  await fixture?.cleanup();
  server = receiver = fixture = undefined;
});

async function start(
  overrides: Record<string, unknown> = {},
): Promise<{ server: TestServer; receiver: Receiver; fx: RedisFixture }> {
  fixture = await redisFixture();
  receiver = await startReceiver();
  const n = fixture.names;
  server = await startTestServer({
    redisUrl: REDIS_URL,
    redisStream: n.stream,
    redisStatusStream: n.status,
    redisGroup: n.group,
    redisConsumer: n.consumer,
    redisClaimIdleMs: 1000,
    ...overrides,
  });
  return { server, receiver, fx: fixture };
}

/** The secret direct endpoints sign with, read through the API like a user would. */
async function directSecret(s: TestServer): Promise<string> {
  const endpoints = await s.api("GET", "/api/v1/app/direct/endpoint");
  const secret = await s.api("GET", `/api/v1/app/direct/endpoint/${endpoints.body.data[0].id}/secret`);
  return secret.body.key;
}

describe("Redis stream ingest (Sendhooks)", () => {
  it("delivers an entry with X-Secret-Hash and a valid signature, and writes a v0.3 status entry", async () => {
    const { server, receiver, fx } = await start();
    const url = receiver.url("/sendhooks");
    const data = { order: 42, items: ["a", "b"] };
    await fx.produce({ url, webhookId: "wh-1", messageId: "m-1", data, secretHash: "s3cr3t-hash" });

    const [request] = await waitFor(() => (receiver.requests.length > 0 ? receiver.requests : null), {
      what: "the receiver to get the webhook",
    });
    expect(JSON.parse(request!.body)).toEqual(data);
    expect(request!.headers["x-secret-hash"]).toBe("s3cr3t-hash");
    new Webhook(await directSecret(server)).verify(request!.body, request!.headers);

    const [status] = await waitFor(
      async () => {
        const all = await fx.statuses();
        return all.length > 0 ? all : null;
      },
      { what: "a status entry" },
    );
    expect(status).toMatchObject({ webhook_id: "wh-1", status: "success", delivery_error: "", url });
    expect(status!.created).toMatch(GO_TIME);
    expect(status!.delivered).toMatch(GO_TIME);

    // The message is an ordinary one in the reserved application, found by its eventId too.
    const messages = await server.api("GET", "/api/v1/app/direct/msg");
    expect(messages.body.data).toHaveLength(1);
    expect(messages.body.data[0]).toMatchObject({ eventType: "sendhooks.webhook", payload: data });
    const attempts = await server.api("GET", `/api/v1/app/direct/attempt/msg/${messages.body.data[0].id}`);
    expect(attempts.body.data[0]).toMatchObject({ status: 0, responseStatusCode: 200, url });
    // Acknowledged and deleted from the input stream, as Sendhooks does.
    await waitFor(async () => (await fx.redis.xlen(fx.names.stream)) === 0, { what: "the entry to be deleted" });
  });

  it("writes the newer status dialect when configured, and reports a final failure", async () => {
    const { receiver, fx } = await start({ redisStatusDialect: "v1" });
    receiver.on("/down", () => ({ status: 500, body: "nope" }));
    await fx.produce({ url: receiver.url("/ok"), webhookId: "wh-ok", data: { a: 1 } });
    await fx.produce({ url: receiver.url("/down"), webhookId: "wh-down", data: { b: 2 } });

    const statuses = await waitFor(
      async () => {
        const all = await fx.statuses();
        return all.length === 2 ? all : null;
      },
      { what: "two status entries" },
    );
    const ok = statuses.find((s) => s.webhookId === "wh-ok")!;
    const down = statuses.find((s) => s.webhookId === "wh-down")!;
    expect(ok).toMatchObject({ status: "success", deliveryError: "", url: receiver.url("/ok"), numberOfTries: 1 });
    expect(ok.payloadSize).toBe(JSON.stringify({ a: 1 }).length);
    expect(ok.created).toMatch(GO_TIME);
    expect(ok.delivered).toMatch(GO_TIME);
    expect(ok).not.toHaveProperty("webhook_id");
    // startTestServer's retry schedule has three retries: four attempts in all.
    expect(down).toMatchObject({ status: "failed", numberOfTries: 4 });
    expect(down.deliveryError).toContain("500");
    expect(receiver.forPath("/down")).toHaveLength(4);
  });

  it("takes Redis and stream settings from a nested Sendhooks config.json", async () => {
    fixture = await redisFixture();
    receiver = await startReceiver();
    const fx = fixture;
    const file = join(tmpdir(), `${fx.names.stream}-config.json`);
    writeFileSync(
      file,
      JSON.stringify({
        redis: {
          redisAddress: "127.0.0.1:6379",
          redisDb: "0",
          redisPassword: "",
          redisSsl: "false",
          redisCaCert: "",
          redisClientCert: "",
          redisClientKey: "",
          redisStreamName: fx.names.stream,
          redisStreamStatusName: fx.names.status,
        },
        secretHashHeaderName: "X-Hash",
        broker: "redis",
        numWorkers: 50,
        channelSize: 100,
      }),
    );
    server = await startTestServer({
      sendhooksConfig: file,
      redisGroup: fx.names.group,
      redisConsumer: fx.names.consumer,
    });
    await fx.produce({ url: receiver.url("/nested"), webhookId: "wh-n", data: { n: 1 }, secretHash: "h" });
    const [request] = await waitFor(() => (receiver!.requests.length > 0 ? receiver!.requests : null));
    expect(request!.headers["x-hash"]).toBe("h");
    await waitFor(async () => (await fx.statuses()).some((s) => s.webhook_id === "wh-n" && s.status === "success"), {
      what: "a v0.3 status entry",
    });
  });

  it("reports five kinds of malformed entries failed with a reason, and delivers their neighbours", async () => {
    const { receiver, fx } = await start();
    const url = receiver.url("/neighbour");
    await fx.produce({ url, webhookId: "good-1", data: { i: 1 } });
    await fx.produce("{this is not json");
    await fx.produce({ url, webhookId: "good-2", data: { i: 2 } });
    await fx.produce({ webhookId: "no-url", data: { i: 0 } });
    await fx.produce({ url, webhookId: "bad-data", data: "a string" });
    await fx.produce({ url: "not a url at all", webhookId: "bad-url", data: { i: 0 } });
    await fx.redis.xadd(fx.names.stream, "*", "payload", JSON.stringify({ url, webhookId: "no-field", data: {} }));
    await fx.produce({ url, webhookId: "good-3", data: { i: 3 } });

    await waitFor(() => receiver.forPath("/neighbour").length === 3, { what: "the three good entries" });
    expect(
      receiver
        .forPath("/neighbour")
        .map((r) => JSON.parse(r.body).i)
        .sort(),
    ).toEqual([1, 2, 3]);
    const failed = await waitFor(
      async () => {
        const all = (await fx.statuses()).filter((s) => s.status === "failed");
        return all.length === 5 ? all : null;
      },
      { what: "five failed status entries" },
    );
    const reasons = failed.map((s) => String(s.delivery_error));
    expect(reasons.some((r) => r.includes("not valid JSON"))).toBe(true);
    expect(failed.find((s) => s.webhook_id === "no-url")!.delivery_error).toContain("missing url");
    expect(failed.find((s) => s.webhook_id === "bad-data")!.delivery_error).toContain("not a JSON object");
    expect(failed.find((s) => s.webhook_id === "bad-url")!.delivery_error).toContain("invalid url");
    expect(reasons.some((r) => r.includes("no data field"))).toBe(true);
    // Every entry, good or bad, was acknowledged: nothing is left pending.
    await waitFor(async () => ((await fx.redis.xpending(fx.names.stream, fx.names.group)) as [number])[0] === 0, {
      what: "no pending entries",
    });
  });

  it("resumes by itself after its Redis connections are killed, and health reports the adapter", async () => {
    const { server, receiver, fx } = await start();
    const health = async (): Promise<any> => (await server.api("GET", "/api/v1/health?verbose=true")).body;
    await waitFor(async () => (await health()).components[0].state === "up", { what: "the adapter to be up" });
    await fx.produce({ url: receiver.url("/outage"), webhookId: "before", data: { n: 0 } });
    await waitFor(() => receiver.forPath("/outage").length === 1);

    // Kill the adapter's connections (found by the names it sets) several times in a row,
    // as a Redis restart would, while entries keep coming.
    for (let round = 1; round <= 3; round++) {
      // Both connections (stream reader, status writer) are back before each kill.
      await waitFor(async () => (await fx.connectionCount(fx.names.consumer)) === 2, { what: "reconnected adapter" });
      expect(await fx.killConnections(fx.names.consumer)).toBe(2);
      await fx.produce({ url: receiver.url("/outage"), webhookId: `during-${round}`, data: { n: round } });
    }
    await waitFor(() => receiver.forPath("/outage").length === 4, {
      timeoutMs: 20000,
      what: "entries after the kills",
    });
    const ids = receiver.forPath("/outage").map((r) => JSON.parse(r.body).n);
    expect(new Set(ids)).toEqual(new Set([0, 1, 2, 3]));
    await waitFor(async () => (await health()).components[0].state === "up", { what: "the adapter to be up again" });
    expect((await server.api("GET", "/api/v1/health")).status).toBe(204);
    const verbose = await health();
    expect(verbose).toMatchObject({ status: "ok", database: "up" });
    expect(verbose.components[0]).toMatchObject({ name: "redis-stream", counters: { stored: 4, malformed: 0 } });
  });

  it("keeps the server healthy (204) while Redis is unreachable, says so verbosely, and stops promptly", async () => {
    // Port 1 on loopback: nothing listens, connections are refused at once.
    server = await startTestServer({
      redisUrl: "redis://127.0.0.1:1",
      redisStream: "unused",
      redisStatusStream: "unused-status",
    });
    const s = server;
    expect((await s.api("GET", "/api/v1/health")).status).toBe(204);
    const verbose = await waitFor(
      async () => {
        const body = (await s.api("GET", "/api/v1/health?verbose=true")).body;
        return body.components[0].state === "down" ? body : null;
      },
      { what: "the adapter to be reported down" },
    );
    expect(verbose).toMatchObject({
      status: "degraded",
      database: "up",
      components: [{ name: "redis-stream", required: false }],
    });
    expect(verbose.components[0].detail).toContain("ECONNREFUSED");
    await s.stop();
    server = undefined;
  });

  it("fails the plain health check while Redis is unreachable when redisRequired is set", async () => {
    server = await startTestServer({ redisUrl: "redis://127.0.0.1:1", redisRequired: true });
    expect((await server.api("GET", "/api/v1/health")).status).toBe(503);
  });
});
