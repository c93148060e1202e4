// Delivery control end to end: the circuit breaker pauses a failing endpoint without spending
// attempts and resumes after a successful probe; 429s slow one endpoint down without spending
// attempts; ordered endpoints deliver each key strictly in order while other keys flow.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startReceiver, type Receiver } from "./helpers/receiver.js";
import { startTestServer, type TestServer } from "./helpers/server.js";
import { waitFor } from "./helpers/wait.js";

let receiver: Receiver;

beforeAll(async () => {
  receiver = await startReceiver();
});

afterAll(async () => {
  await receiver.close();
});

/** The payloads of the requests `path` received, in order. */
const payloads = (path: string) => receiver.forPath(path).map((r) => JSON.parse(r.body) as { i: number; key?: string });

describe("circuit breaker", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      circuitBreaker: true,
      circuitMinAttempts: 5,
      circuitWindowSeconds: 10,
      circuitCooldownSeconds: 1,
      // Four attempts over 3 s: without the breaker every message would be exhausted long
      // before the endpoint recovers (it fails for 5 s and more).
      retrySchedule: [1, 1, 1],
    });
  });
  afterAll(() => server.stop());

  it("opens on a failing endpoint, probes, closes when it recovers; no attempt budget is spent while open", async () => {
    let healthy = false;
    receiver.on("/flaky", () => (healthy ? { status: 200 } : { status: 500, body: "down" }));
    const app = await server.svix.application.create({ name: "Breaker" });
    const endpoint = await server.svix.endpoint.create(app.id, { url: receiver.url("/flaky") });
    for (let i = 0; i < 30; i++) await server.svix.message.create(app.id, { eventType: "e", payload: { i } });

    const health = async () =>
      (await server.api("GET", `/api/v1/app/${app.id}/endpoint/${endpoint.id}/stats`)).body.health as {
        state: string;
        reason: string | null;
      };
    await waitFor(async () => (await health()).state === "circuit_open", { what: "the circuit to open" });
    expect((await health()).reason).toMatch(/of the last \d+ attempts failed/);

    // While open only probes go to the endpoint: one after 1 s, the next 2 s after that, the
    // next 4 s after that (one more for a retry claimed just before it opened). Counted by when
    // each attempt started, as recorded: requests handed to the sender thread before the
    // circuit opened may still arrive after this test sees it open.
    const openSeenAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 5000));
    const attempts = await server.svix.messageAttempt.listByEndpoint(app.id, endpoint.id, { limit: 250 });
    const startedWhileOpen = attempts.data.filter((a) => {
      const startedAt = a.timestamp.getTime();
      return startedAt >= openSeenAt && startedAt < openSeenAt + 5000;
    });
    expect(startedWhileOpen.length).toBeLessThanOrEqual(3);

    healthy = true;
    await waitFor(
      async () => {
        const messages = await server.svix.message.list(app.id, { limit: 50 });
        const done = await Promise.all(
          messages.data.map(async (m) => {
            const attempts = await server.svix.messageAttempt.listByMsg(app.id, m.id, { limit: 50 });
            return attempts.data.some((a) => a.status === 0);
          }),
        );
        return done.length === 30 && done.every(Boolean);
      },
      { what: "every message delivered after the probe succeeded", timeoutMs: 30000, intervalMs: 200 },
    );
    expect((await health()).state).toBe("healthy");
    // None exhausted: the budget of four was never used up by the pause.
    for (const m of (await server.svix.message.list(app.id, { limit: 50 })).data) {
      const attempts = await server.svix.messageAttempt.listByMsg(app.id, m.id, { limit: 50 });
      expect(attempts.data.length).toBeLessThanOrEqual(4);
    }
  });
});

describe("throttling and ordering", () => {
  let server: TestServer;
  beforeAll(async () => {
    // Two attempts in all: a 429 that spent one would exhaust a message on its second refusal.
    server = await startTestServer({ retrySchedule: [0.2] });
  });
  afterAll(() => server.stop());

  /**
   * A receiver path that answers 429 (Retry-After: 1) to the requests `refuse` picks by their
   * number (from 1) and 200 to the rest, recording which payloads (`{ i }`) it accepted.
   */
  function refusing(path: string, refuse: (n: number) => boolean) {
    const seen = { requests: 0, refused: 0, accepted: new Set<number>() };
    receiver.on(path, (request) => {
      if (refuse(++seen.requests)) {
        seen.refused++;
        return { status: 429, headers: { "retry-after": "1" } };
      }
      seen.accepted.add((JSON.parse(request.body) as { i: number }).i);
      return { status: 200 };
    });
    return seen;
  }

  /** Polls the endpoint's health state until stopped; resolves to every state seen. */
  function watchStates(appId: string, endpointId: string): { stop(): Promise<Set<string>> } {
    const states = new Set<string>();
    let watching = true;
    const polling = (async () => {
      while (watching) {
        const body = (await server.api("GET", `/api/v1/app/${appId}/endpoint/${endpointId}/stats`)).body;
        states.add(body.health.state);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    return {
      async stop() {
        watching = false;
        await polling;
        return states;
      },
    };
  }

  it("slows only the endpoint that answers 429, without spending attempts", async () => {
    let throttling = true;
    receiver.on("/busy", () => (throttling ? { status: 429, headers: { "retry-after": "1" } } : { status: 200 }));
    const app = await server.svix.application.create({ name: "Throttled" });
    const busy = await server.svix.endpoint.create(app.id, { url: receiver.url("/busy") });
    await server.svix.endpoint.create(app.id, { url: receiver.url("/calm") });
    for (let i = 0; i < 5; i++) await server.svix.message.create(app.id, { eventType: "e", payload: { i } });

    await waitFor(() => receiver.forPath("/calm").length === 5, { what: "the other endpoint's deliveries" });
    const stats = await waitFor(
      async () => {
        const body = (await server.api("GET", `/api/v1/app/${app.id}/endpoint/${busy.id}/stats`)).body;
        return body.health.state === "throttled" ? body : null;
      },
      { what: "the busy endpoint to show as throttled" },
    );
    expect(stats.health.throttleRate).toBeGreaterThanOrEqual(1);
    // Keep answering 429 until a message has been refused more often than its whole retry
    // budget (two attempts here) would allow.
    const triesOf = (i: number) => payloads("/busy").filter((p) => p.i === i).length;
    await waitFor(() => [0, 1, 2, 3, 4].some((i) => triesOf(i) >= 3), {
      what: "a message refused three times",
      timeoutMs: 30000,
      intervalMs: 100,
    });
    throttling = false;

    const answered = payloads("/busy").length;
    await waitFor(
      () =>
        new Set(
          payloads("/busy")
            .slice(answered)
            .map((p) => p.i),
        ).size === 5,
      {
        what: "every message delivered once the endpoint accepts again",
        timeoutMs: 30000,
        intervalMs: 100,
      },
    );
    // Each message's success is recorded too (the worker writes results just after the
    // receiver has answered, so the last one may land a moment after the receipt).
    const messages = await server.svix.message.list(app.id, { limit: 50 });
    for (const m of messages.data) {
      await waitFor(
        async () => {
          const attempts = await server.svix.messageAttempt.listByMsg(app.id, m.id, {
            endpointId: busy.id,
            limit: 100,
          });
          return attempts.data.some((a) => a.status === 0);
        },
        { what: `a recorded success for ${m.id}` },
      );
    }
  });

  it("defers only the refused delivery when an endpoint answers 429 now and then, without throttling it", async () => {
    // Every 40th request is refused (2.5 %, under the 5 % share that throttles the endpoint).
    const mostly = refusing("/mostly", (n) => n % 40 === 0);
    const app = await server.svix.application.create({ name: "Mostly fine" });
    const endpoint = await server.svix.endpoint.create(app.id, { url: receiver.url("/mostly") });
    const watch = watchStates(app.id, endpoint.id);
    const total = 200;
    await Promise.all(
      Array.from({ length: total }, (_, i) => server.svix.message.create(app.id, { eventType: "e", payload: { i } })),
    );
    await waitFor(() => mostly.accepted.size === total, {
      what: "every message accepted, the refused ones after their Retry-After",
      timeoutMs: 30000,
      intervalMs: 50,
    });
    const states = await watch.stop();
    expect(mostly.refused).toBeGreaterThanOrEqual(5);
    // With the old rule each refusal paused the endpoint and halved its rate ("throttled").
    expect(states.has("throttled")).toBe(false);
    const stats = (await server.api("GET", `/api/v1/app/${app.id}/endpoint/${endpoint.id}/stats`)).body;
    expect(stats.health.throttleRate ?? null).toBeNull();
  });

  it("does not throttle a fresh endpoint for a single refusal among its first answers", async () => {
    // Too few answers to judge a share: one refusal used to throttle it to the floor (1/s).
    const fresh = refusing("/fresh", (n) => n === 2);
    const app = await server.svix.application.create({ name: "Fresh" });
    const endpoint = await server.svix.endpoint.create(app.id, { url: receiver.url("/fresh") });
    const watch = watchStates(app.id, endpoint.id);
    const total = 10;
    for (let i = 0; i < total; i++) await server.svix.message.create(app.id, { eventType: "e", payload: { i } });
    await waitFor(() => fresh.accepted.size === total, {
      what: "every message accepted, the refused one after its Retry-After",
      timeoutMs: 15000,
      intervalMs: 50,
    });
    expect(fresh.requests).toBe(total + 1);
    expect((await watch.stop()).has("throttled")).toBe(false);
  });

  it("delivers each ordering key strictly in order while other keys flow", async () => {
    // The first message of key "a" fails once before it gets through.
    receiver.on("/ordered", (request) => {
      const body = JSON.parse(request.body) as { key: string; i: number };
      const tries = payloads("/ordered").filter((p) => p.key === body.key && p.i === body.i).length;
      return body.key === "a" && body.i === 0 && tries <= 1 ? { status: 500 } : { status: 200 };
    });
    const app = await server.svix.application.create({ name: "Ordered" });
    const created = await server.api("POST", `/api/v1/app/${app.id}/endpoint`, {
      url: receiver.url("/ordered"),
      ordered: true,
    });
    expect(created.status).toBe(201);
    expect(created.body.ordered).toBe(true);
    for (let i = 0; i < 6; i++) {
      for (const key of ["a", "b"]) {
        const sent = await server.api("POST", `/api/v1/app/${app.id}/msg`, {
          eventType: "e",
          payload: { key, i },
          orderingKey: key,
        });
        expect(sent.status).toBe(202);
        expect(sent.body.orderingKey).toBe(key);
      }
    }

    await waitFor(() => payloads("/ordered").length === 13, { what: "12 deliveries and a failure", timeoutMs: 15000 });
    const seen = payloads("/ordered");
    for (const key of ["a", "b"]) {
      const order = seen.filter((p) => p.key === key).map((p) => p.i);
      // Strictly in order: a retry repeats the head, and nothing overtakes it.
      const firstSuccessOrder = order.filter((i, index) => order.indexOf(i) === index);
      expect(firstSuccessOrder).toEqual([0, 1, 2, 3, 4, 5]);
      expect(order).toEqual([...order].sort((x, y) => x - y));
    }
    // Key "b" did not wait for key "a"'s failing head.
    const lastB = seen.map((p, index) => ({ ...p, index })).filter((p) => p.key === "b");
    const aOneAt = seen.findIndex((p) => p.key === "a" && p.i === 1);
    expect(lastB.filter((p) => p.index < aOneAt).length).toBeGreaterThan(0);
  });
});
