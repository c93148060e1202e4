// PostgreSQL connection loss at the storage level: unreachable means `unavailable` (503),
// an interrupted transaction leaves nothing behind, dead pooled connections are replaced,
// and the LISTEN connection comes back by itself.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../src/lib/logger.js";
import type { Storage } from "../../src/storage/contract.js";
import { openStorage } from "../../src/storage/open.js";
import { PostgresClient } from "../../src/storage/postgres/client.js";
import {
  createTestDatabase,
  setConnectionsAllowed,
  terminateConnections,
  type TestDatabase,
} from "../helpers/postgres.js";
import { waitFor } from "../helpers/wait.js";
import { appWithEndpoint, makeApp, publish } from "./fixtures.js";

const kindOf = (promise: Promise<unknown>) =>
  promise.then(
    () => "resolved",
    (error: { kind?: string }) => error.kind ?? "not a HooklaneError",
  );

describe("PostgreSQL connection loss", () => {
  let db: TestDatabase;
  let storage: Storage;
  const singleConnectionClient = (preparedStatements: boolean): PostgresClient =>
    new PostgresClient({
      connectionString: db.url,
      poolSize: 1,
      connectTimeoutMs: 2000,
      preparedStatements,
      log: silentLogger,
    });

  beforeAll(async () => {
    db = await createTestDatabase();
    storage = await openStorage(db.url, { poolSize: 3, connectTimeoutMs: 2000 });
  });

  afterAll(async () => {
    await setConnectionsAllowed(db.name, true);
    await storage.close();
    await db.drop();
  });

  it("replaces pooled connections that were terminated, without crashing", async () => {
    // Fill the pool with idle connections, then kill them all server-side.
    await Promise.all([storage.ping(), storage.ping(), storage.ping()]);
    expect(await terminateConnections(db.name)).toBeGreaterThan(0);
    // A query may race the dying connection and fail as unavailable; the pool then heals.
    await waitFor(
      () =>
        storage.ping().then(
          () => true,
          () => false,
        ),
      { what: "ping after terminate" },
    );
    const app = makeApp();
    await storage.applications.create(app);
    expect(await storage.applications.get(app.id)).toEqual(app);
  });

  it("answers unavailable while the database refuses connections, and recovers", async () => {
    await setConnectionsAllowed(db.name, false);
    try {
      await terminateConnections(db.name);
      await waitFor(async () => (await kindOf(storage.ping())) === "unavailable", { what: "ping unavailable" });
      expect(await kindOf(storage.applications.create(makeApp()))).toBe("unavailable");
      expect(await kindOf(storage.applications.list({ limit: 1 }))).toBe("unavailable");
    } finally {
      await setConnectionsAllowed(db.name, true);
    }
    await waitFor(
      () =>
        storage.ping().then(
          () => true,
          () => false,
        ),
      { what: "ping after recovery" },
    );
  });

  it("rolls back a transaction whose connection dies mid-way", async () => {
    const client = singleConnectionClient(true);
    try {
      const app = makeApp();
      const outcome = client.transaction(async (tx) => {
        await tx.execute(
          "INSERT INTO applications (id, uid, name, rate_limit, metadata, created_at, updated_at) VALUES (?, NULL, 'x', NULL, '{}', 0, 0)",
          [app.id],
        );
        // As if an admin or a restart ended this very connection between two statements.
        await tx.query("SELECT pg_terminate_backend(pg_backend_pid())");
        return "committed";
      });
      expect(await kindOf(outcome)).toBe("unavailable");
      expect(await storage.applications.get(app.id)).toBeNull();
      // The broken connection was thrown away, not returned to the pool.
      expect(await client.query("SELECT 1 AS ok")).toEqual([{ ok: 1 }]);
    } finally {
      await client.close();
    }
  });

  it("prepares hot statements once per connection, and again on a replacement connection", async () => {
    const client = singleConnectionClient(true);
    const prepared = async (): Promise<string[]> =>
      (await client.query<{ statement: string }>("SELECT statement FROM pg_prepared_statements")).map(
        (row) => row.statement,
      );
    const hot = "SELECT count(*) AS n FROM applications WHERE id = ?";
    try {
      for (let i = 0; i < 5; i++) expect(await client.query(hot, ["x"])).toEqual([{ n: 0 }]);
      expect(await prepared()).toContain("SELECT count(*) AS n FROM applications WHERE id = $1");
      // The connection dies; its replacement prepares the statement anew under the same name.
      await client.query("SELECT pg_terminate_backend(pg_backend_pid())").catch(() => undefined);
      await waitFor(
        () =>
          client.query(hot, ["x"]).then(
            () => true,
            () => false,
          ),
        { what: "query on a new connection" },
      );
      expect(await prepared()).toContain("SELECT count(*) AS n FROM applications WHERE id = $1");
    } finally {
      await client.close();
    }
  });

  it("prepares nothing when prepared statements are off (poolers that cannot keep them)", async () => {
    const client = singleConnectionClient(false);
    try {
      for (let i = 0; i < 5; i++) await client.query("SELECT count(*) AS n FROM applications WHERE id = ?", ["x"]);
      expect(await client.query("SELECT count(*) AS n FROM pg_prepared_statements")).toEqual([{ n: 0 }]);
    } finally {
      await client.close();
    }
  });

  it("listens again after its LISTEN connection is terminated", async () => {
    const other = await openStorage(db.url, { migrate: false, poolSize: 2 });
    let calls = 0;
    const unsubscribe = storage.onDeliveriesDue!(() => calls++);
    try {
      // Called once when listening starts, and again each time it listens anew.
      await waitFor(() => calls >= 1, { what: "listening" });
      await terminateConnections(db.name);
      await waitFor(() => calls >= 2, { what: "listening again" });
      const { app, endpoint } = await appWithEndpoint(other);
      const before = calls;
      await publish(other, app.id, [endpoint.id]);
      await waitFor(() => calls > before, { what: "wake-up through the new LISTEN connection" });
    } finally {
      unsubscribe();
      await other.close();
    }
  });
});
