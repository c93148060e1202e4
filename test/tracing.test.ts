// OpenTelemetry traces: with `otlpEndpoint` set, a real publish and delivery reach a local
// OTLP/HTTP collector as a `publish` span and a child `attempt` span of the same trace, and the
// delivery request carries the trace context; without it, no trace header is sent.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, expect, it } from "vitest";
import { startReceiver, type Receiver } from "./helpers/receiver.js";
import { startTestServer, type TestServer } from "./helpers/server.js";
import { waitFor } from "./helpers/wait.js";

interface OtlpAttribute {
  key: string;
  value: { stringValue?: string; intValue?: number | string };
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: OtlpAttribute[];
}

/** A collector that accepts OTLP/HTTP JSON exports and keeps every span. */
async function startCollector(): Promise<{ url: string; spans: OtlpSpan[]; close(): Promise<void> }> {
  const spans: OtlpSpan[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      if (req.method !== "POST" || req.url !== "/v1/traces" || req.headers["content-type"] !== "application/json") {
        res.writeHead(415).end();
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      for (const resourceSpans of body.resourceSpans) {
        for (const scopeSpans of resourceSpans.scopeSpans) spans.push(...scopeSpans.spans);
      }
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const attributes = (span: OtlpSpan): Record<string, string | number | undefined> =>
  Object.fromEntries(span.attributes.map((a) => [a.key, a.value.stringValue ?? Number(a.value.intValue)]));

// Each test starts a whole server (and the first loads the OpenTelemetry packages): on a busy
// 2-core machine that alone can take tens of seconds.
const TEST_TIMEOUT_MS = 180000;

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of cleanup.splice(0).reverse()) await close();
});

/** A collector, a receiver and a server exporting to the collector, closed after the test. */
async function startTraced() {
  const collector = await startCollector();
  cleanup.push(collector.close);
  const receiver = await startReceiver();
  cleanup.push(receiver.close);
  const server = await startTestServer({ otlpEndpoint: collector.url });
  let stopped = false;
  // Stopping exports what the batch processor still holds: call it before reading spans.
  const stopServer = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await server.stop();
  };
  cleanup.push(stopServer);
  return { collector, receiver, server, stopServer };
}

async function deliverOne(server: TestServer, receiver: Receiver, path: string) {
  const app = (await server.api("POST", "/api/v1/app", { name: "Traced" })).body;
  await server.api("POST", `/api/v1/app/${app.id}/endpoint`, { url: receiver.url(path) });
  const message = (await server.api("POST", `/api/v1/app/${app.id}/msg`, { eventType: "order.paid", payload: {} }))
    .body;
  const request = await waitFor(() => receiver.forPath(path)[0], { what: "the delivery", timeoutMs: 30000 });
  // The attempt span is made once the attempt is stored.
  await waitFor(async () => (await server.api("GET", `/api/v1/app/${app.id}/attempt/msg/${message.id}`)).body.data[0], {
    what: "the stored attempt",
    timeoutMs: 30000,
  });
  return { app, message, request };
}

it(
  "exports a publish span and a child attempt span of one trace, and sends traceparent",
  async () => {
    const { collector, receiver, server, stopServer } = await startTraced();

    const { app, message, request } = await deliverOne(server, receiver, "/traced");
    await stopServer();

    const publish = collector.spans.find(
      (s) => s.name === "publish" && attributes(s)["hooklane.message_id"] === message.id,
    );
    const attempt = collector.spans.find(
      (s) => s.name === "attempt" && attributes(s)["hooklane.message_id"] === message.id,
    );
    expect(publish, "publish span").toBeDefined();
    expect(attempt, "attempt span").toBeDefined();
    expect(attributes(publish!)).toMatchObject({ "hooklane.app_id": app.id, "hooklane.event_type": "order.paid" });
    expect(attempt!.traceId).toBe(publish!.traceId);
    expect(attempt!.parentSpanId).toBe(publish!.spanId);
    expect(attributes(attempt!)).toMatchObject({
      "hooklane.attempt_number": 1,
      "hooklane.outcome": "succeeded",
      "http.response.status_code": 200,
    });
    expect(attributes(attempt!)["hooklane.endpoint_id"]).toMatch(/^ep_/);
    // The receiver can continue the trace under the publish span.
    expect(request.headers.traceparent).toBe(`00-${publish!.traceId}-${publish!.spanId}-01`);
  },
  TEST_TIMEOUT_MS,
);

it(
  "continues a producer's trace given in a direct send's headers",
  async () => {
    const { collector, receiver, server, stopServer } = await startTraced();

    const producerTrace = "4bf92f3577b34da6a3ce929d0e0e4736";
    const producerSpan = "00f067aa0ba902b7";
    const sent = await server.api("POST", "/api/v1/send", {
      url: receiver.url("/producer"),
      payload: { n: 1 },
      headers: { traceparent: `00-${producerTrace}-${producerSpan}-01` },
    });
    expect(sent.status).toBe(202);
    const request = await waitFor(() => receiver.forPath("/producer")[0], { what: "the delivery", timeoutMs: 30000 });
    await stopServer();

    const publish = collector.spans.find(
      (s) => s.name === "publish" && attributes(s)["hooklane.message_id"] === sent.body.id,
    );
    expect(publish).toMatchObject({ traceId: producerTrace, parentSpanId: producerSpan });
    // Our publish span replaces the producer's context on the way out.
    expect(request.headers.traceparent).toBe(`00-${producerTrace}-${publish!.spanId}-01`);
  },
  TEST_TIMEOUT_MS,
);

it(
  "sends no trace header when no OTLP endpoint is configured",
  async () => {
    const receiver = await startReceiver();
    cleanup.push(receiver.close);
    const server = await startTestServer();
    cleanup.push(server.stop);
    const { request } = await deliverOne(server, receiver, "/untraced");
    expect(request.headers.traceparent).toBeUndefined();
  },
  TEST_TIMEOUT_MS,
);
