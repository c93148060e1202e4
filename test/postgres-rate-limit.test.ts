// The rate limit holds across processes: four Hooklane instances on one PostgreSQL database
// share an endpoint limited to 20 messages a second, and together it never gets more, while an
// unlimited endpoint of the same application is not held back.
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "./helpers/postgres.js";
import { forEachConcurrently, instanceEnv, startInstance, type Instance } from "./helpers/instances.js";
import { startReceiver, type Receiver } from "./helpers/receiver.js";
import { waitFor } from "./helpers/wait.js";

let db: TestDatabase;
let receiver: Receiver;
let instances: Instance[] = [];

beforeAll(async () => {
  db = await createTestDatabase({ migrated: true });
  receiver = await startReceiver();
  const env = instanceEnv(db.url);
  instances = await Promise.all(["a", "b", "c", "d"].map((name) => startInstance({ name, env })));
}, 180_000);

afterAll(async () => {
  for (const instance of instances) await instance.kill("SIGKILL");
  await receiver?.close();
  await db?.drop();
});

it("an endpoint limited to 20/s gets no more than that from four instances; another is unaffected", async () => {
  const [a] = instances;
  const app = (await a!.api("POST", "/api/v1/app", { name: "Shared limit" })).body;
  const limited = (
    await a!.api("POST", `/api/v1/app/${app.id}/endpoint`, { url: receiver.url("/limited"), rateLimit: 20 })
  ).body;
  await a!.api("POST", `/api/v1/app/${app.id}/endpoint`, { url: receiver.url("/free") });
  // Published through every instance, all due at one moment a few seconds on, so the four
  // instances race for the same backlog (and publishing is over: its CPU load would delay
  // sends past their slots and bunch them up at the receiver).
  const deliverAt = new Date(Date.now() + 5000).toISOString();
  await forEachConcurrently(
    Array.from({ length: 100 }, (_, i) => i),
    8,
    async (i) => {
      const response = await instances[i % 4]!.api("POST", `/api/v1/app/${app.id}/msg`, {
        eventType: "burst",
        payload: { i },
        deliverAt,
      });
      expect(response.status).toBe(202);
    },
  );

  await waitFor(() => receiver.forPath("/free").length === 100, { what: "the free endpoint", timeoutMs: 30_000 });
  await waitFor(() => receiver.forPath("/limited").length === 100, {
    what: "the limited endpoint's 100 deliveries",
    timeoutMs: 60_000,
    intervalMs: 200,
  });
  const received = receiver.forPath("/limited").map((r) => r.receivedAt);
  // The free endpoint was done well before the limited one could be.
  expect(Math.max(...receiver.forPath("/free").map((r) => r.receivedAt))).toBeLessThan(Math.max(...received));
  // Send times as the instances recorded them (each attempt's start): arrival times would add
  // the receiver's and the sender threads' delays, which under the full suite (four instances
  // and other test files on two cores) bunched up to 17 extra requests into 3 seconds.
  const attempts = await waitFor(
    async () => {
      const page = await a!.api("GET", `/api/v1/app/${app.id}/attempt/endpoint/${limited.id}?limit=250`);
      return page.body.data.length >= 100 ? (page.body.data as { timestamp: string }[]) : null;
    },
    { what: "the limited endpoint's attempts stored" },
  );
  // Waiting spent no attempts: every delivery succeeded on its first.
  expect(attempts).toHaveLength(100);
  const times = attempts.map((attempt) => Date.parse(attempt.timestamp));
  // The slots themselves are exact (the conformance suite checks them across connections); a
  // send starts when its process's timer fires, never early, but four processes on a busy
  // 2-core host fire some a few hundred ms late, which squeezes the sends after them. Allow
  // half a second of that (10 sends) over the 60 a 3-second window may hold.
  for (const start of times) {
    expect(times.filter((t) => t >= start && t < start + 3000).length).toBeLessThanOrEqual(70);
  }
  // And over the whole run the pace holds: 100 sends span at least 99 intervals, less the
  // same half second of lateness.
  expect(Math.max(...times) - Math.min(...times)).toBeGreaterThanOrEqual(99 * 50 - 500);
});
