// Retention keeps storage bounded: payloads expire (per message when asked), old attempts,
// finished messages and received requests are pruned, and under a steady load the tables stop
// growing.
import Database from "better-sqlite3";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startReceiver, type Receiver } from "./helpers/receiver.js";
import { startTestServer, type TestServer } from "./helpers/server.js";
import { waitFor } from "./helpers/wait.js";

let server: TestServer;
let receiver: Receiver;

beforeAll(async () => {
  receiver = await startReceiver();
  server = await startTestServer({ retentionSeconds: 1, retentionIntervalSeconds: 0.2 });
});

afterAll(async () => {
  await server.stop();
  await receiver.close();
});

function rowCounts(): { messages: number; attempts: number; deliveries: number; payloads: number } {
  const db = new Database(server.dbPath, { readonly: true });
  try {
    const count = (sql: string): number => (db.prepare(sql).get() as { n: number }).n;
    return {
      messages: count("SELECT COUNT(*) AS n FROM messages"),
      attempts: count("SELECT COUNT(*) AS n FROM attempts"),
      deliveries: count("SELECT COUNT(*) AS n FROM deliveries"),
      payloads: count("SELECT COUNT(*) AS n FROM messages WHERE payload IS NOT NULL"),
    };
  } finally {
    db.close();
  }
}

it("stops the tables growing under a steady load", async () => {
  const app = await server.svix.application.create({ name: "Steady" });
  await server.svix.endpoint.create(app.id, { url: receiver.url("/steady") });
  const peaks: number[] = [];
  // Six rounds of load, each longer than the retention: what the first rounds wrote is gone
  // by the last, so the row count levels off instead of climbing with the total sent.
  for (let round = 0; round < 6; round++) {
    for (let i = 0; i < 40; i++)
      await server.svix.message.create(app.id, { eventType: "load.tick", payload: { round, i } });
    await waitFor(() => receiver.forPath("/steady").length >= (round + 1) * 40, { what: `round ${round} delivered` });
    await new Promise((resolve) => setTimeout(resolve, 500));
    peaks.push(rowCounts().messages);
  }
  const total = 6 * 40;
  expect(receiver.forPath("/steady")).toHaveLength(total);
  expect(Math.max(...peaks.slice(3))).toBeLessThan(total / 2);
  await waitFor(() => rowCounts().attempts < total / 2, { what: "attempts pruned" });
});

it("expunges a payload at its own retention period", async () => {
  const app = await server.svix.application.create({ name: "Expiry" });
  const msg = await server.svix.message.create(app.id, { eventType: "short.lived", payload: { secret: "s3cret" } });
  expect((await server.svix.message.get(app.id, msg.id)).payload).toEqual({ secret: "s3cret" });
  await waitFor(
    async () => {
      const stored = await server.svix.message.get(app.id, msg.id).catch(() => null);
      return stored === null || Object.keys(stored.payload).length === 0;
    },
    { what: "payload expunged" },
  );
});

it("deletes received requests once past retention and their source's dedupe window", async () => {
  const app = await server.svix.application.create({ name: "Inbound" });
  const create = async (dedupeWindowSeconds: number): Promise<string> => {
    const source = await server.api("POST", "/api/v1/source", {
      name: `window ${dedupeWindowSeconds}`,
      appId: app.id,
      verification: { type: "none" },
      deliveryIdHeader: "webhook-id",
      dedupeWindowSeconds,
    });
    expect(source.status, JSON.stringify(source.body)).toBe(201);
    return source.body.id;
  };
  const [noWindow, hourWindow] = [await create(0), await create(3600)];
  for (const sourceId of [noWindow, hourWindow]) {
    const response = await fetch(`${server.url}/in/${sourceId}`, {
      method: "POST",
      headers: { "content-type": "application/json", "webhook-id": `evt_${sourceId}` },
      body: '{"n":1}',
    });
    expect(response.status).toBe(200);
  }
  const stored = async (sourceId: string): Promise<number> =>
    (await server.api("GET", `/api/v1/source/${sourceId}/request`)).body.data.length;
  await waitFor(async () => (await stored(noWindow)) === 0, { what: "the request without a window pruned" });
  // Pruned in the same passes, yet still inside its hour: it stays, so a repeat is a duplicate.
  expect(await stored(hourWindow)).toBe(1);
  const repeat = await fetch(`${server.url}/in/${hourWindow}`, {
    method: "POST",
    headers: { "content-type": "application/json", "webhook-id": `evt_${hourWindow}` },
    body: '{"n":1}',
  });
  expect(((await repeat.json()) as { duplicate?: boolean }).duplicate).toBe(true);
});
