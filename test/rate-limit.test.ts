// Rate limits: an endpoint limited to 20 messages a second gets no more than that, however
// large its backlog, while another endpoint is unaffected and no attempt is spent waiting.
import { afterAll, beforeAll, expect, it } from "vitest";
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

it("keeps a limited endpoint to its rate and leaves the others alone", async () => {
  const app = await server.svix.application.create({ name: "Throttled" });
  const limited = await server.svix.endpoint.create(app.id, { url: receiver.url("/limited"), rateLimit: 20 });
  await server.svix.endpoint.create(app.id, { url: receiver.url("/free") });
  for (let i = 0; i < 70; i++) await server.svix.message.create(app.id, { eventType: "burst", payload: { i } });

  await waitFor(() => receiver.forPath("/free").length === 70, { what: "the unlimited endpoint's deliveries" });
  await waitFor(() => receiver.forPath("/limited").length === 70, {
    what: "the limited endpoint's deliveries",
    timeoutMs: 15000,
  });

  const received = receiver.forPath("/limited").map((r) => r.receivedAt);
  // The unlimited endpoint got everything long before the limited one could.
  expect(Math.max(...receiver.forPath("/free").map((r) => r.receivedAt))).toBeLessThan(Math.max(...received));
  // Send times as Hooklane recorded them (each attempt's start): the receiver's own receipt
  // times would add its event loop's delays, which under the full suite bunch a few requests.
  // Attempts are stored just after the receiver answers: wait for the last one.
  const attempts = await waitFor(
    async () => {
      const page = await server.svix.messageAttempt.listByEndpoint(app.id, limited.id, { limit: 100 });
      return page.data.length >= 70 ? page.data : null;
    },
    { what: "the limited endpoint's attempts stored" },
  );
  // Waiting spent no attempts: every delivery succeeded on its first.
  expect(attempts).toHaveLength(70);
  const times = attempts.map((a) => a.timestamp.getTime());
  // Send slots are 50 ms apart. A timer can fire late, never early, so a late send followed
  // by punctual ones squeezes a little: allow two beyond the rate in any window for that.
  // Timers that fire late together do not bunch their sends (delivery/sendPacer.ts).
  for (const start of times) {
    expect(times.filter((t) => t >= start && t < start + 1000).length).toBeLessThanOrEqual(22);
    expect(times.filter((t) => t >= start && t < start + 3000).length).toBeLessThanOrEqual(62);
  }
  // And over the whole run the pace holds: 70 sends take at least 69 intervals.
  expect(Math.max(...times) - Math.min(...times)).toBeGreaterThanOrEqual(69 * 50 - 100);
});
