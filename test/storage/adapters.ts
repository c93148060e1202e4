// The storage implementations the conformance suite runs against, behind one small interface:
// a fresh, empty storage per test and a second handle on the same database (another process).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Storage } from "../../src/storage/contract.js";
import { openStorage } from "../../src/storage/open.js";
import { createTestDatabase, withPg, type TestDatabase } from "../helpers/postgres.js";

export type Dialect = "sqlite" | "postgres";

export interface StorageAdapter {
  readonly dialect: Dialect;
  /** Once per file. */
  setUp(): Promise<void>;
  /** Before each test: an empty, migrated database. */
  fresh(): Promise<Storage>;
  /** Another connection set to the same database, as a second Hooklane process would have. */
  another(): Promise<Storage>;
  tearDown(): Promise<void>;
}

const TABLES =
  "applications, event_types, endpoints, messages, deliveries, attempts, attempt_counts, tokens, idempotency_keys, sources, inbound_requests, background_tasks";

function sqliteAdapter(): StorageAdapter {
  let dir = "";
  let n = 0;
  let path = "";
  const open: Storage[] = [];
  const closeAll = async (): Promise<void> => {
    for (const storage of open.splice(0)) await storage.close();
  };
  return {
    dialect: "sqlite",
    async setUp() {
      dir = mkdtempSync(join(tmpdir(), "hooklane-conformance-"));
    },
    async fresh() {
      await closeAll();
      path = join(dir, `db-${++n}.sqlite`);
      const storage = await openStorage(path);
      open.push(storage);
      return storage;
    },
    async another() {
      const storage = await openStorage(path, { migrate: false });
      open.push(storage);
      return storage;
    },
    async tearDown() {
      await closeAll();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function postgresAdapter(): StorageAdapter {
  let db: TestDatabase | undefined;
  let main: Storage | undefined;
  const others: Storage[] = [];
  return {
    dialect: "postgres",
    async setUp() {
      db = await createTestDatabase();
      main = await openStorage(db.url, { migrate: false, poolSize: 4 });
    },
    async fresh() {
      for (const storage of others.splice(0)) await storage.close();
      await withPg((client) => client.query(`TRUNCATE ${TABLES}`), db!.url);
      return main!;
    },
    async another() {
      const storage = await openStorage(db!.url, { migrate: false, poolSize: 4 });
      others.push(storage);
      return storage;
    },
    async tearDown() {
      for (const storage of others.splice(0)) await storage.close();
      await main?.close();
      await db?.drop();
    },
  };
}

export const adapters: readonly (() => StorageAdapter)[] = [sqliteAdapter, postgresAdapter];
