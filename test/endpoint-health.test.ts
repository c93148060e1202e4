// Endpoint health and operational webhooks: endpoints failing past the window or answering
// 410 are disabled, and the operator hears about it (and about failing, exhausted and
// recovered attempts) through operational webhook endpoints.
import { afterAll, beforeAll, expect, it } from "vitest";
import { Webhook } from "standardwebhooks";
import { startReceiver, type Receiver } from "./helpers/receiver.js";
import { startTestServer, type TestServer } from "./helpers/server.js";
import { waitFor } from "./helpers/wait.js";

let server: TestServer;
let receiver: Receiver;
let opsSecret: string;

interface OpsEvent {
  type: string;
  timestamp: string;
  data: Record<string, any>;
}

const opsEvents = (type: string): OpsEvent[] =>
  receiver
    .forPath("/ops")
    .map((r) => JSON.parse(r.body) as OpsEvent)
    .filter((e) => e.type === type);

beforeAll(async () => {
  receiver = await startReceiver();
  server = await startTestServer({
    retrySchedule: [0.3, 0.3, 0.3, 0.3, 0.3, 0.3],
    endpointDisableAfterSeconds: 1,
    attemptFailingThreshold: 2,
  });
  const ops = await server.svix.operationalWebhook.endpoint.create({ url: receiver.url("/ops") });
  opsSecret = (await server.svix.operationalWebhook.endpoint.getSecret(ops.id)).key;
});

afterAll(async () => {
  await server.stop();
  await receiver.close();
});

it("disables an endpoint that keeps failing past the window and tells the operator", async () => {
  const app = await server.svix.application.create({ name: "Failing", uid: "failing-app" });
  receiver.on("/down", () => ({ status: 500, body: "database unavailable" }));
  const endpoint = await server.svix.endpoint.create(app.id, { url: receiver.url("/down"), uid: "down" });
  await server.svix.message.create(app.id, { eventType: "order.created", payload: { n: 1 }, eventId: "evt-fail" });

  const disabled = await waitFor(() => opsEvents("endpoint.disabled").find((e) => e.data.endpointId === endpoint.id), {
    what: "endpoint.disabled",
  });
  expect(disabled.data).toMatchObject({
    appId: app.id,
    appUid: "failing-app",
    endpointUid: "down",
    trigger: "automatic",
  });
  expect(disabled.data.failSince).toMatch(/^\d{4}-/);
  expect((await server.svix.endpoint.get(app.id, endpoint.id)).disabled).toBe(true);

  // The operational webhook is signed like any other delivery.
  const raw = receiver.forPath("/ops").find((r) => JSON.parse(r.body).type === "endpoint.disabled")!;
  expect(new Webhook(opsSecret).verify(raw.body, raw.headers)).toMatchObject({ type: "endpoint.disabled" });

  const failing = await waitFor(() =>
    opsEvents("message.attempt.failing").find((e) => e.data.endpointId === endpoint.id),
  );
  expect(failing.data).toMatchObject({ appId: app.id, msgEventId: "evt-fail" });
  expect(failing.data.lastAttempt).toMatchObject({ responseStatusCode: 500, response: "database unavailable" });

  // Once disabled, the rest of the schedule fails without sending: the receiver saw at most
  // the attempts made before the window closed.
  const seen = receiver.forPath("/down").length;
  await waitFor(() => opsEvents("message.attempt.exhausted").find((e) => e.data.endpointId === endpoint.id), {
    what: "message.attempt.exhausted",
  });
  expect(receiver.forPath("/down").length).toBe(seen);
});

it("disables an endpoint at once when it answers 410 Gone", async () => {
  const app = await server.svix.application.create({ name: "Gone" });
  receiver.on("/gone", () => ({ status: 410, body: "unsubscribed" }));
  const endpoint = await server.svix.endpoint.create(app.id, { url: receiver.url("/gone") });
  await server.svix.message.create(app.id, { eventType: "order.created", payload: { n: 2 } });
  const event = await waitFor(() => opsEvents("endpoint.disabled").find((e) => e.data.endpointId === endpoint.id));
  expect(event.data.reason).toContain("410");
  expect(receiver.forPath("/gone")).toHaveLength(1);
  expect((await server.svix.endpoint.get(app.id, endpoint.id)).disabled).toBe(true);
});

it("reports recovery after failures, and endpoint changes made through the API", async () => {
  const app = await server.svix.application.create({ name: "Flaky" });
  receiver.on("/flaky", (_r, count) => (count <= 2 ? { status: 503 } : { status: 200 }));
  const endpoint = await server.svix.endpoint.create(app.id, { url: receiver.url("/flaky") });
  await server.svix.message.create(app.id, { eventType: "order.created", payload: { n: 3 } });
  const recovered = await waitFor(() =>
    opsEvents("message.attempt.recovered").find((e) => e.data.endpointId === endpoint.id),
  );
  expect(recovered.data.lastAttempt.responseStatusCode).toBe(200);
  expect((await server.svix.endpoint.get(app.id, endpoint.id)).disabled).toBe(false);

  await server.svix.endpoint.patch(app.id, endpoint.id, { disabled: true });
  await server.svix.endpoint.patch(app.id, endpoint.id, { disabled: false });
  await server.svix.endpoint.delete(app.id, endpoint.id);
  for (const type of [
    "endpoint.created",
    "endpoint.updated",
    "endpoint.disabled",
    "endpoint.enabled",
    "endpoint.deleted",
  ]) {
    await waitFor(() => opsEvents(type).find((e) => e.data.endpointId === endpoint.id), { what: type });
  }
});

it("keeps operational endpoints to admins", async () => {
  const app = await server.svix.application.create({ name: "Tenant" });
  const access = await server.svix.authentication.appPortalAccess(app.id, {});
  const response = await server.api("GET", "/api/v1/operational-webhook/endpoint", undefined, { token: access.token });
  expect(response.status).toBe(403);
  const list = await server.svix.operationalWebhook.endpoint.list();
  expect(list.data).toHaveLength(1);
});
