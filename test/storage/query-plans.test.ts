// SQLite uses a partial index only when a query states the index's WHERE word for word; a
// reworded condition silently falls back to reading every row (at 100,000 endpoints, 16–20 ms
// each time, on the event loop). Claims run at every poll and hand-off, the dashboard's and the
// metrics' endpoint queries at every refresh and scrape: their plans must not read a whole
// table that grows with the deployment. Recorded from the calls themselves, then explained.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Storage } from "../../src/storage/contract.js";
import type { Row, SqlExecutor, SqlValue } from "../../src/storage/sql/client.js";
import { sqlStorage } from "../../src/storage/sql/storage.js";
import { SqliteClient } from "../../src/storage/sqlite/client.js";
import { appWithEndpoint, makeEndpoint, publish, T0 } from "./fixtures.js";
import { claimAll } from "./cases/records.js";

/** A SQLite client that remembers every statement it runs (with its last parameters), in transactions too. */
class RecordingClient extends SqliteClient {
  readonly statements = new Map<string, readonly SqlValue[]>();

  override query<T extends Row = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    this.statements.set(sql, params);
    return super.query<T>(sql, params);
  }

  override transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return super.transaction((tx) =>
      work({
        query: (sql, params = []) => (this.statements.set(sql, params), tx.query(sql, params)),
        execute: (sql, params = []) => (this.statements.set(sql, params), tx.execute(sql, params)),
      }),
    );
  }
}

/** Tables whose size follows the deployment or its traffic. */
const GROWING = ["endpoints", "deliveries", "messages", "attempts", "attempt_counts"];

describe("query plans on SQLite", () => {
  let dir: string;
  let client: RecordingClient;
  let storage: Storage;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "hooklane-plans-"));
    client = new RecordingClient(join(dir, "plans.db"));
    client.migrate();
    storage = sqlStorage(client);
  });

  afterAll(async () => {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The plan lines of every statement `run` issued, each with the start of its statement. */
  async function plans(run: () => Promise<unknown>): Promise<string[]> {
    client.statements.clear();
    await run();
    const explain = new Database(join(dir, "plans.db"), { readonly: true });
    try {
      return [...client.statements].flatMap(([sql, params]) =>
        explain
          .prepare(`EXPLAIN QUERY PLAN ${sql}`)
          .all(...params)
          .map((row) => `${String((row as { detail: string }).detail)}: ${sql.replace(/\s+/g, " ").slice(0, 120)}`),
      );
    } finally {
      explain.close();
    }
  }

  /** The plan lines of every statement `run` issued that read a growing table whole. */
  async function fullScans(run: () => Promise<unknown>): Promise<string[]> {
    return (await plans(run)).filter((line) => GROWING.some((table) => line.startsWith(`SCAN ${table}:`)));
  }

  it("claims, also behind a deep backlog of a left-out endpoint, search their indexes", async () => {
    const { app, endpoint: busy } = await appWithEndpoint(storage);
    const other = makeEndpoint(app.id);
    await storage.endpoints.create(other);
    // 1,000 due rows of the left-out endpoint: the threshold for going endpoint by endpoint.
    for (let chunk = 0; chunk < 10; chunk++) {
      await Promise.all(
        Array.from({ length: 100 }, (_, i) => publish(storage, app.id, [busy.id], T0 + chunk * 100 + i)),
      );
    }
    await publish(storage, app.id, [other.id], T0 + 2000);
    const claim = (excludeEndpointIds: string[]) =>
      storage.deliveries.claimDue(claimAll("w", T0 + 5000, { limit: 10, excludeEndpointIds }));
    expect(await fullScans(() => claim([]))).toEqual([]);
    expect(await fullScans(() => claim([busy.id]))).toEqual([]);
  });

  it("the dashboard's and the metrics' queries read only the rows they report", async () => {
    const { app } = await appWithEndpoint(storage);
    expect(
      await fullScans(async () => {
        await storage.dashboard.endpointStates();
        await storage.dashboard.disabledEndpoints(undefined, 10);
        await storage.dashboard.disabledEndpoints(app.id, 10);
        await storage.dashboard.deliveryRate({ since: T0, until: T0 + 3600_000, bucketMs: 60_000 });
        await storage.deliveries.backlog(T0);
        await storage.deliveries.backlog(T0, app.id);
      }),
    ).toEqual([]);
  });

  it("the message list by event type walks that type's messages, one walk per type", async () => {
    const { app } = await appWithEndpoint(storage);
    const messageLines = (lines: string[]) => lines.filter((line) => /^(SCAN|SEARCH) messages\b/.test(line));
    for (const eventTypes of [["a"], ["a", "b"]]) {
      const lines = messageLines(await plans(() => storage.messages.list(app.id, { limit: 10, eventTypes })));
      expect(lines).toHaveLength(eventTypes.length);
      for (const line of lines)
        expect(line).toMatch(/^SEARCH messages USING INDEX messages_event_type \(app_id=\? AND event_type=\?\)/);
    }
  });
});
