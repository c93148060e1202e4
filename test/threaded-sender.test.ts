// The sender thread (src/delivery/threadedSender.ts) against a real receiver: what it signs and sends,
// what comes back to whom, the address policy on its side, and closing with requests out.
import { Writable } from "node:stream";
import type { Worker } from "node:worker_threads";
import { pino, type Logger } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { SendResult } from "../src/delivery/httpSender.js";
import type { DeliveryRequest } from "../src/delivery/outboundRequest.js";
import { ThreadedSender } from "../src/delivery/threadedSender.js";
import { newSecret } from "../src/domain/signing.js";
import { signatureHeaders, verifySignature } from "../src/domain/verify.js";
import { startReceiver, type Receiver } from "./helpers/receiver.js";
import { waitFor } from "./helpers/wait.js";

const settings = { allowedSubnets: ["127.0.0.0/8"], timeoutMs: 5000, maxResponseBytes: 16 };

const secret = newSecret();

/** A delivery of `payload` as message `id` to `url`. */
function delivery(url: string, id = "msg_1", payload = "{}"): DeliveryRequest {
  return {
    endpoint: { url, headers: { "x-team": "a" }, secret, retiredSecrets: [] },
    message: { id, contentType: null, headers: null, payload },
    style: "webhook",
    nowMs: Date.now(),
  };
}

/** A real logger whose lines the test reads. */
function capturedLogger(): { log: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString("utf8")) as Record<string, unknown>);
      done();
    },
  });
  return { log: pino(sink), lines };
}

describe("ThreadedSender", () => {
  let receiver: Receiver;
  let sender: ThreadedSender;

  beforeEach(async () => {
    receiver = await startReceiver();
    sender = new ThreadedSender(settings, capturedLogger().log);
  });

  afterEach(async () => {
    await sender.close();
    await receiver.close();
  });

  it("signs and sends each delivery, and answers each caller with its own response", async () => {
    receiver.on("/echo", (request) => ({
      status: 200 + (Number(JSON.parse(request.body).n) % 3),
      body: `reply to ${request.headers["webhook-id"]}`,
      headers: { "retry-after": "7" },
    }));
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, n) =>
        sender.deliver(delivery(receiver.url("/echo"), `msg_${n}`, JSON.stringify({ n }))),
      ),
    );
    const received = receiver.forPath("/echo");
    expect(received).toHaveLength(40);
    results.forEach((result, n) => {
      expect(result).toMatchObject({ kind: "response", statusCode: 200 + (n % 3), retryAfter: "7" });
      // Cut at maxResponseBytes, in the thread.
      expect((result as { body: string }).body).toBe(`reply to msg_${n}`.slice(0, 16));
    });
    for (const request of received) {
      expect(request.headers["content-type"]).toBe("application/json");
      expect(request.headers["x-team"]).toBe("a");
      const signed = { ...signatureHeaders(request.headers), body: request.body };
      expect(verifySignature(secret, signed, Date.now())).toEqual({ valid: true });
    }
  });

  it("reports transport errors and applies the address policy in the thread", async () => {
    const refused = new ThreadedSender({ ...settings, allowedSubnets: [] }, capturedLogger().log);
    try {
      const result = await refused.deliver(delivery(receiver.url("/x")));
      expect(result).toMatchObject({ kind: "error", reason: expect.stringContaining("loopback") });
    } finally {
      await refused.close();
    }
    expect(receiver.requests).toHaveLength(0);
    const closedPort = receiver.url("/x").replace(/:\d+\//, ":1/");
    expect(await sender.deliver(delivery(closedPort))).toMatchObject({
      kind: "error",
      reason: "connection refused",
    });
  });

  it("fails a delivery it cannot sign without ending the thread", async () => {
    const damaged = delivery(receiver.url("/x"));
    damaged.endpoint.secret = "whsk_AAAA"; // an ed25519 key of 3 bytes
    expect(await sender.deliver(damaged)).toMatchObject({
      kind: "error",
      reason: expect.stringContaining("the request could not be signed"),
    });
    expect(await sender.deliver(delivery(receiver.url("/x")))).toMatchObject({ kind: "response", statusCode: 200 });
    expect(receiver.requests).toHaveLength(1);
  });

  it("lets requests in flight finish on close, and refuses sends after it", async () => {
    receiver.on("/slow", () => ({ delayMs: 300, body: "late" }));
    const inFlight = sender.deliver(delivery(receiver.url("/slow")));
    await waitFor(() => receiver.requests.length > 0, { what: "the request to arrive" });
    await sender.close();
    expect(await inFlight).toMatchObject<Partial<SendResult>>({ kind: "response", statusCode: 200 });
    expect(await sender.deliver(delivery(receiver.url("/slow")))).toEqual({
      kind: "error",
      reason: "the sender is closed",
      durationMs: 0,
    });
  });
});

describe("ThreadedSender when its thread dies", () => {
  it("fails what the thread had not answered and starts a new thread for the next send", async () => {
    const receiver = await startReceiver();
    const { log, lines } = capturedLogger();
    const sender = new ThreadedSender(settings, log);
    try {
      receiver.on("/hang", () => ({ hang: true }));
      const lost = sender.deliver(delivery(receiver.url("/hang")));
      await waitFor(() => receiver.requests.length > 0, { what: "the request to arrive" });
      // What a crash of the thread looks like from the main thread.
      await (sender as unknown as { worker: Worker }).worker.terminate();
      expect(await lost).toEqual({ kind: "error", reason: "the sender thread exited", durationMs: 0 });
      expect(lines).toEqual([expect.objectContaining({ level: 50, reason: "the sender thread exited", failed: 1 })]);
      expect(await sender.deliver(delivery(receiver.url("/ok")))).toMatchObject({
        kind: "response",
        statusCode: 200,
      });
    } finally {
      await sender.close();
      await receiver.close();
    }
  });
});
