// PostgreSQL going away during a run: connections terminated under load, then a window in
// which the database refuses connections. The instance stays up, answers 503 (health and
// API) while it cannot reach the database, and delivers every accepted message afterwards.
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";
import {
  createTestDatabase,
  setConnectionsAllowed,
  terminateConnections,
  type TestDatabase,
} from "./helpers/postgres.js";
import { forEachConcurrently, instanceEnv, startInstance, type Instance } from "./helpers/instances.js";
import { startReceiver, type Receiver } from "./helpers/receiver.js";
import { waitFor } from "./helpers/wait.js";

describe("PostgreSQL connection loss during a run", () => {
  let db: TestDatabase;
  let receiver: Receiver;
  let instance: Instance;

  beforeAll(async () => {
    db = await createTestDatabase();
    receiver = await startReceiver();
    instance = await startInstance({
      name: "outage",
      env: instanceEnv(db.url, { HOOKLANE_DATABASE_CONNECT_TIMEOUT_MS: "1000" }),
    });
  });

  afterAll(async () => {
    await setConnectionsAllowed(db.name, true);
    await instance?.kill("SIGKILL");
    await receiver.close();
    await db.drop();
  });

  /** Publishes until the API accepts: 503 while the database is away; 409 means an earlier try was stored. */
  async function publishSurely(appId: string, i: number): Promise<string> {
    for (;;) {
      const response = await instance.api("POST", `/api/v1/app/${appId}/msg`, {
        eventType: "outage.test",
        eventId: `evt-${i}`,
        payload: { i },
      });
      if (response.status === 202) return response.body.id;
      if (response.status === 409) return (await instance.api("GET", `/api/v1/app/${appId}/msg/evt-${i}`)).body.id;
      expect(response.status).toBe(503);
      expect(response.body.code).toBe("unavailable");
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it("keeps delivering through terminated connections and a refusal window", async () => {
    onTestFailed(() =>
      console.log(`instance log (exited: ${instance.exited}):\n${instance.logs.slice(-80).join("\n")}`),
    );
    receiver.on("/outage", () => ({ status: 200, delayMs: 5 }));
    const app = await instance.api("POST", "/api/v1/app", { name: "Outage" });
    await instance.api("POST", `/api/v1/app/${app.body.id}/endpoint`, { url: receiver.url("/outage") });
    const published = new Set<string>();
    const publishRange = (from: number, to: number) =>
      forEachConcurrently(
        Array.from({ length: to - from }, (_, k) => from + k),
        8,
        async (i) => void published.add(await publishSurely(app.body.id, i)),
      );

    // 1. Terminate every connection (pool and LISTEN) twice while messages flow.
    const firstBatch = publishRange(0, 300);
    await waitFor(() => receiver.requests.length >= 50, { timeoutMs: 30000, what: "deliveries under way" });
    expect(await terminateConnections(db.name)).toBeGreaterThan(0);
    await waitFor(() => receiver.requests.length >= 150, { timeoutMs: 30000, what: "deliveries after a terminate" });
    await terminateConnections(db.name);
    await firstBatch;

    // 2. The database refuses connections: health and the API answer 503, the process lives on.
    await setConnectionsAllowed(db.name, false);
    try {
      await terminateConnections(db.name);
      await waitFor(async () => (await fetch(`${instance.url}/api/v1/health`)).status === 503, {
        timeoutMs: 30000,
        what: "health 503",
      });
      const during = await instance.api("GET", `/api/v1/app/${app.body.id}/msg`);
      expect(during.status).toBe(503);
      expect(during.body).toEqual({ code: "unavailable", detail: expect.stringMatching(/database/i) });
      expect(instance.exited).toBe(false);
    } finally {
      await setConnectionsAllowed(db.name, true);
    }

    // 3. Back: healthy again, and new and old messages all arrive.
    await waitFor(async () => (await fetch(`${instance.url}/api/v1/health`)).status === 204, {
      timeoutMs: 30000,
      what: "health 204",
    });
    await publishRange(300, 400);
    await waitFor(() => new Set(receiver.forPath("/outage").map((r) => r.headers["webhook-id"])).size === 400, {
      timeoutMs: 60000,
      intervalMs: 100,
      what: "all 400 messages delivered",
    });
    expect(new Set(receiver.forPath("/outage").map((r) => r.headers["webhook-id"]))).toEqual(published);
    expect(
      instance.logs.some(
        (line) =>
          line.includes("claiming deliveries works again") || line.includes("listening for new deliveries again"),
      ),
    ).toBe(true);
  }, 150_000);
});
