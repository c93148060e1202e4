// A hanging endpoint must not delay deliveries to a healthy one.
import { afterAll, beforeAll, expect, it } from "vitest";
import { startReceiver, type Receiver } from "./helpers/receiver.js";
import { startTestServer, type TestServer } from "./helpers/server.js";
import { waitFor } from "./helpers/wait.js";

let server: TestServer;
let receiver: Receiver;

beforeAll(async () => {
  receiver = await startReceiver();
  // A small pool makes the point sharp: the hanging endpoint could fill it if nothing stopped it.
  server = await startTestServer({
    workerConcurrency: 8,
    endpointConcurrency: 2,
    claimBatchSize: 8,
    requestTimeoutMs: 30000,
  });
});

afterAll(async () => {
  await receiver.close();
  await server.stop();
});

it("keeps delivering to a healthy endpoint while another hangs", async () => {
  const app = await server.svix.application.create({ name: "Isolation" });
  receiver.on("/hang", () => ({ hang: true }));
  await server.svix.endpoint.create(app.id, { url: receiver.url("/hang"), filterTypes: ["slow.event"] });
  await server.svix.endpoint.create(app.id, { url: receiver.url("/healthy"), filterTypes: ["fast.event"] });

  // Far more hanging deliveries than the pool has slots.
  for (let i = 0; i < 40; i++) await server.svix.message.create(app.id, { eventType: "slow.event", payload: { i } });
  await waitFor(() => receiver.forPath("/hang").length === 2, { what: "the hanging endpoint to hold its cap" });

  for (let i = 0; i < 50; i++) await server.svix.message.create(app.id, { eventType: "fast.event", payload: { i } });
  await waitFor(() => receiver.forPath("/healthy").length === 50, { what: "all healthy deliveries", timeoutMs: 15000 });

  // The hanging endpoint never got more than its cap of requests in flight.
  expect(receiver.forPath("/hang")).toHaveLength(2);
});
