// Several Hooklane processes on one PostgreSQL database: together they deliver everything,
// survive one of them being SIGKILLed, and never send one attempt twice by racing.
import { POSTGRES_MIGRATIONS } from "../src/storage/postgres/migrations.js";
import { afterEach, describe, expect, it } from "vitest";
import { createTestDatabase, withPg, type TestDatabase } from "./helpers/postgres.js";
import { forEachConcurrently, instanceEnv, startInstance, type Instance } from "./helpers/instances.js";
import { startReceiver, type Received, type Receiver } from "./helpers/receiver.js";
import { waitFor } from "./helpers/wait.js";

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

async function setUp(options: { migrated: boolean }): Promise<{ db: TestDatabase; receiver: Receiver }> {
  const db = await createTestDatabase(options);
  const receiver = await startReceiver();
  cleanup.push(
    () => db.drop(),
    () => receiver.close(),
  );
  return { db, receiver };
}

async function start(name: string, env: Record<string, string>, args: string[] = []): Promise<Instance> {
  const instance = await startInstance({ name, env, args });
  cleanup.push(() => instance.kill("SIGKILL"));
  return instance;
}

function byWebhookId(requests: Received[]): Map<string, Received[]> {
  const groups = new Map<string, Received[]>();
  for (const r of requests) {
    const id = r.headers["webhook-id"]!;
    groups.set(id, [...(groups.get(id) ?? []), r]);
  }
  return groups;
}

describe("several instances on one PostgreSQL database", () => {
  it("three instances deliver 3,000 messages while one of them is SIGKILLed", async () => {
    const { db, receiver } = await setUp({ migrated: false });
    // The receiver answers after a moment, so every instance has attempts in flight at any time.
    receiver.on("/multi", () => ({ status: 200, delayMs: 10 }));
    // A 5 s request timeout (lease 11 s): on a busy CI machine a 10 ms answer can still take
    // seconds to be read, and a timed-out attempt is retried, which is a duplicate too.
    const env = instanceEnv(db.url, {
      HOOKLANE_WORKER_CONCURRENCY: "32",
      HOOKLANE_ENDPOINT_CONCURRENCY: "16",
      HOOKLANE_REQUEST_TIMEOUT_MS: "5000",
    });
    // All three migrate the empty database at the same moment.
    const [a, b, c] = await Promise.all([start("a", env), start("b", env), start("c", env)]);
    const app = await a!.api("POST", "/api/v1/app", { name: "Multi" });
    expect(app.status).toBe(201);
    const endpoint = await a!.api("POST", `/api/v1/app/${app.body.id}/endpoint`, { url: receiver.url("/multi") });
    expect(endpoint.status).toBe(201);

    const published = new Set<string>();
    const indexes = Array.from({ length: 3000 }, (_, i) => i);
    let killedAt = 0;
    let exitedAt = 0;
    const killer = waitFor(() => receiver.requests.length >= 1000, { timeoutMs: 60000, what: "1,000 deliveries" }).then(
      async () => {
        killedAt = Date.now();
        await b!.kill("SIGKILL");
        exitedAt = Date.now();
      },
    );
    // Published through the instances that stay up; b is a worker (and API) that dies.
    await forEachConcurrently(indexes, 16, async (i) => {
      const via = i % 2 === 0 ? a! : c!;
      const response = await via.api("POST", `/api/v1/app/${app.body.id}/msg`, {
        eventType: "load.test",
        eventId: `evt-${i}`,
        payload: { i },
      });
      expect(response.status).toBe(202);
      published.add(response.body.id);
    });
    await killer;
    expect(b!.exited).toBe(true);

    await waitFor(() => byWebhookId(receiver.requests).size === 3000, {
      timeoutMs: 90000,
      intervalMs: 200,
      what: "all 3,000 messages at the receiver",
    });
    const groups = byWebhookId(receiver.forPath("/multi"));
    expect(new Set(groups.keys())).toEqual(published);
    // Duplicates come from attempts the killed instance had in flight (sent before it died,
    // sent again by a survivor after the lease ran out, with the same webhook-id) or from an
    // attempt recorded as failed (timed out on a stalled machine) and retried. Nothing else.
    const retried = new Set(
      (
        await withPg(
          (pg) => pg.query<{ message_id: string }>("SELECT DISTINCT message_id FROM attempts WHERE status <> 0"),
          db.url,
        )
      ).rows.map((row) => row.message_id),
    );
    const duplicates = [...groups.entries()]
      .filter(([id, copies]) => copies.length > 1 && !retried.has(id))
      .map(([, copies]) => copies);
    expect(duplicates.length).toBeLessThanOrEqual(32);
    for (const copies of duplicates) {
      expect(copies).toHaveLength(2);
      expect(copies[0]!.receivedAt).toBeLessThanOrEqual(exitedAt + 1000);
      expect(copies[1]!.receivedAt).toBeGreaterThanOrEqual(killedAt);
      expect(copies[1]!.body).toBe(copies[0]!.body);
    }
    // Every delivery is recorded as a success, once.
    await waitFor(
      async () =>
        (await withPg((pg) => pg.query("SELECT count(*)::int AS n FROM deliveries WHERE status = 0"), db.url)).rows[0]
          .n === 3000,
      { timeoutMs: 30000, what: "3,000 successful deliveries recorded" },
    );
    // Three instances migrated at once: each migration is recorded exactly once.
    const migrations = await withPg((pg) => pg.query("SELECT version FROM schema_migrations ORDER BY version"), db.url);
    expect(migrations.rows).toEqual(POSTGRES_MIGRATIONS.map((m) => ({ version: m.version })));
  }, 180_000);

  it("two workers racing for the same due deliveries never both send one attempt", async () => {
    const { db, receiver } = await setUp({ migrated: true });
    // Small claims and a short poll make the two workers collide often. Leases are long here
    // (21 s) so that only a double claim, never a slow machine, could explain a duplicate.
    const env = instanceEnv(db.url, {
      HOOKLANE_CLAIM_BATCH_SIZE: "8",
      HOOKLANE_POLL_INTERVAL_MS: "20",
      HOOKLANE_REQUEST_TIMEOUT_MS: "10000",
    });
    // Publish first with no worker running, so both workers start with the same due backlog.
    const api = await start("api", env, ["--role", "api"]);
    const app = await api.api("POST", "/api/v1/app", { name: "Race" });
    const paths = ["/race-1", "/race-2", "/race-3", "/race-4"];
    for (const path of paths) {
      const created = await api.api("POST", `/api/v1/app/${app.body.id}/endpoint`, { url: receiver.url(path) });
      expect(created.status).toBe(201);
    }
    await forEachConcurrently(
      Array.from({ length: 500 }, (_, i) => i),
      16,
      async (i) => {
        const response = await api.api("POST", `/api/v1/app/${app.body.id}/msg`, { eventType: "race", payload: { i } });
        expect(response.status).toBe(202);
      },
    );
    expect(receiver.requests).toHaveLength(0);

    await Promise.all([start("w1", env, ["--role", "worker"]), start("w2", env, ["--role", "worker"])]);
    await waitFor(() => receiver.requests.length >= 2000, { timeoutMs: 60000, what: "2,000 deliveries" });
    const perAttempt = new Map<string, number>();
    for (const r of receiver.requests) {
      const key = `${r.path} ${r.headers["webhook-id"]}`;
      perAttempt.set(key, (perAttempt.get(key) ?? 0) + 1);
    }
    expect(perAttempt.size).toBe(2000);
    expect([...perAttempt.values()].filter((n) => n > 1)).toEqual([]);
    expect(receiver.requests).toHaveLength(2000);
  }, 120_000);
});
