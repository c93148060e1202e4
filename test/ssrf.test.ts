// Outbound safety: private, loopback and metadata destinations are refused at connect time
// unless an allow-list admits them; the refusal is recorded on the attempt.
// Traffic in these tests only ever reaches loopback: refused destinations are refused before
// any packet leaves, and the allow-list case is shown with a second loopback address.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startReceiver, type Receiver } from "./helpers/receiver.js";
import { startTestServer, type TestServer } from "./helpers/server.js";
import { waitFor } from "./helpers/wait.js";

let receiver: Receiver;
let otherLoopback: Receiver;
beforeAll(async () => {
  receiver = await startReceiver("127.0.0.1");
  otherLoopback = await startReceiver("127.0.0.2");
});
afterAll(async () => {
  await receiver.close();
  await otherLoopback.close();
});

async function firstAttempt(server: TestServer, url: string) {
  const app = await server.svix.application.create({ name: "SSRF" });
  await server.svix.endpoint.create(app.id, { url });
  const msg = await server.svix.message.create(app.id, { eventType: "probe.sent", payload: {} });
  const list = await waitFor(
    async () => {
      const page = await server.svix.messageAttempt.listByMsg(app.id, msg.id);
      return page.data.length > 0 ? page : null;
    },
    { what: `an attempt to ${url}` },
  );
  return list.data[list.data.length - 1]!;
}

describe("without an allow-list", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ allowedSubnets: [], retrySchedule: [] });
  });
  afterAll(() => server.stop());

  it("refuses the cloud metadata address", async () => {
    const attempt = await firstAttempt(server, "http://169.254.169.254/latest/meta-data/");
    expect(attempt.responseStatusCode).toBe(0);
    expect(attempt.status).toBe(2);
    expect(attempt.response).toMatch(/169\.254\.169\.254 is not allowed: link-local, incl\. cloud metadata/);
  });

  it("refuses a private address", async () => {
    const attempt = await firstAttempt(server, "http://10.20.30.40:8080/hook");
    expect(attempt.response).toMatch(/10\.20\.30\.40 is not allowed: private network/);
  });

  it("refuses a hostname that resolves to loopback, checked after DNS", async () => {
    const port = new URL(receiver.url()).port;
    const attempt = await firstAttempt(server, `http://localhost:${port}/ssrf`);
    expect(attempt.response).toMatch(/is not allowed: loopback/);
    expect(receiver.forPath("/ssrf")).toHaveLength(0);
  });
});

describe("with an allow-list", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ allowedSubnets: ["127.0.0.2/32"], retrySchedule: [] });
  });
  afterAll(() => server.stop());

  it("delivers to an allowed subnet", async () => {
    const attempt = await firstAttempt(server, otherLoopback.url("/allowed"));
    expect(attempt.responseStatusCode).toBe(200);
    expect(otherLoopback.forPath("/allowed")).toHaveLength(1);
  });

  it("still refuses what the list does not name", async () => {
    const attempt = await firstAttempt(server, receiver.url("/not-listed"));
    expect(attempt.response).toMatch(/127\.0\.0\.1 is not allowed: loopback/);
    expect(receiver.forPath("/not-listed")).toHaveLength(0);
  });
});
