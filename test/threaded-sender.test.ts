// The sender thread (src/delivery/threadedSender.ts) against a real receiver: what it sends,
// what comes back to whom, the address policy on its side, and closing with requests out.
import type { Worker } from "node:worker_threads";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { SendResult } from "../src/delivery/httpSender.js";
import { ThreadedSender } from "../src/delivery/threadedSender.js";
import { startReceiver, type Receiver } from "./helpers/receiver.js";

const settings = { allowedSubnets: ["127.0.0.0/8"], timeoutMs: 5000, maxResponseBytes: 16 };

describe("ThreadedSender", () => {
  let receiver: Receiver;
  let sender: ThreadedSender;

  beforeEach(async () => {
    receiver = await startReceiver();
    sender = new ThreadedSender(settings);
  });

  afterEach(async () => {
    await sender.close();
    await receiver.close();
  });

  it("sends each request as given and answers each caller with its own response", async () => {
    receiver.on("/echo", (request) => ({
      status: 200 + (Number(JSON.parse(request.body).n) % 3),
      body: `reply to ${request.headers["webhook-id"]}`,
      headers: { "retry-after": "7" },
    }));
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, n) =>
        sender.send({
          url: receiver.url("/echo"),
          headers: { "content-type": "application/json", "webhook-id": `msg_${n}` },
          body: JSON.stringify({ n }),
        }),
      ),
    );
    expect(receiver.forPath("/echo")).toHaveLength(40);
    results.forEach((result, n) => {
      expect(result).toMatchObject({ kind: "response", statusCode: 200 + (n % 3), retryAfter: "7" });
      // Cut at maxResponseBytes, in the thread.
      expect((result as { body: string }).body).toBe(`reply to msg_${n}`.slice(0, 16));
    });
    expect(receiver.requests[0]!.headers["content-type"]).toBe("application/json");
  });

  it("reports transport errors and applies the address policy in the thread", async () => {
    const refused = new ThreadedSender({ ...settings, allowedSubnets: [] });
    try {
      const result = await refused.send({ url: receiver.url("/x"), headers: {}, body: "{}" });
      expect(result).toMatchObject({ kind: "error", reason: expect.stringContaining("loopback") });
    } finally {
      await refused.close();
    }
    expect(receiver.requests).toHaveLength(0);
    const closedPort = receiver.url("/x").replace(/:\d+\//, ":1/");
    expect(await sender.send({ url: closedPort, headers: {}, body: "{}" })).toMatchObject({
      kind: "error",
      reason: "connection refused",
    });
  });

  it("lets requests in flight finish on close, and refuses sends after it", async () => {
    receiver.on("/slow", () => ({ delayMs: 300, body: "late" }));
    const inFlight = sender.send({ url: receiver.url("/slow"), headers: {}, body: "{}" });
    await waitForRequest(receiver);
    await sender.close();
    expect(await inFlight).toMatchObject<Partial<SendResult>>({ kind: "response", statusCode: 200 });
    expect(await sender.send({ url: receiver.url("/slow"), headers: {}, body: "{}" })).toEqual({
      kind: "error",
      reason: "the sender is closed",
      durationMs: 0,
    });
  });
});

async function waitForRequest(receiver: Receiver): Promise<void> {
  while (receiver.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe("ThreadedSender when its thread dies", () => {
  it("fails what the thread had not answered and starts a new thread for the next send", async () => {
    const receiver = await startReceiver();
    const sender = new ThreadedSender(settings);
    try {
      receiver.on("/hang", () => ({ hang: true }));
      const lost = sender.send({ url: receiver.url("/hang"), headers: {}, body: "{}" });
      await waitForRequest(receiver);
      // What a crash of the thread looks like from the main thread.
      await (sender as unknown as { worker: Worker }).worker.terminate();
      expect(await lost).toEqual({ kind: "error", reason: "the sender thread exited", durationMs: 0 });
      expect(await sender.send({ url: receiver.url("/ok"), headers: {}, body: "{}" })).toMatchObject({
        kind: "response",
        statusCode: 200,
      });
    } finally {
      await sender.close();
      await receiver.close();
    }
  });
});
