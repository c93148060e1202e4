// Endpoint secrets are encrypted at rest when a main secret is configured: the database file
// never holds them in clear, while the API and signatures work as before.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, expect, it } from "vitest";
import { Webhook } from "standardwebhooks";
import { startReceiver, type Receiver } from "./helpers/receiver.js";
import { startTestServer, type TestServer } from "./helpers/server.js";
import { waitFor } from "./helpers/wait.js";

let server: TestServer;
let receiver: Receiver;

beforeAll(async () => {
  receiver = await startReceiver();
  server = await startTestServer({ mainSecret: "a-long-operator-main-secret-0123456789" });
});

afterAll(async () => {
  await server.stop();
  await receiver.close();
});

it("keeps endpoint secrets, current and rotated, out of the database file", async () => {
  const app = await server.svix.application.create({ name: "Sealed" });
  const chosen = "whsec_" + Buffer.from("a chosen secret of 24 b!").toString("base64");
  const endpoint = await server.svix.endpoint.create(app.id, { url: receiver.url("/sealed"), secret: chosen });
  expect((await server.svix.endpoint.getSecret(app.id, endpoint.id)).key).toBe(chosen);
  await server.svix.endpoint.rotateSecret(app.id, endpoint.id, {});
  const current = (await server.svix.endpoint.getSecret(app.id, endpoint.id)).key;

  await server.svix.message.create(app.id, { eventType: "sealed.event", payload: { ok: true } });
  const received = await waitFor(() => receiver.forPath("/sealed")[0]);
  expect(new Webhook(current).verify(received.body, received.headers)).toEqual({ ok: true });
  expect(new Webhook(chosen).verify(received.body, received.headers)).toEqual({ ok: true });

  // Everything SQLite has written (the WAL included) is free of both secrets.
  const files = [server.dbPath, `${server.dbPath}-wal`].map((path) => {
    try {
      return readFileSync(path);
    } catch {
      return Buffer.alloc(0);
    }
  });
  for (const secret of [chosen, current]) {
    const raw = secret.slice("whsec_".length);
    for (const file of files) expect(file.includes(Buffer.from(raw))).toBe(false);
  }
});
