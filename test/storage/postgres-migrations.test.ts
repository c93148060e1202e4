// PostgreSQL migrations: several processes migrating one empty database at once apply each
// migration exactly once, and a build whose schema is behind refuses to start without them.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../src/lib/logger.js";
import { PostgresClient } from "../../src/storage/postgres/client.js";
import { POSTGRES_MIGRATIONS } from "../../src/storage/postgres/migrations.js";
import { openStorage } from "../../src/storage/open.js";
import { createTestDatabase, withPg, type TestDatabase } from "../helpers/postgres.js";

describe("PostgreSQL migrations", () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase({ migrated: false });
  });

  afterAll(() => db.drop());

  it("refuses to open an unmigrated database when told not to migrate", async () => {
    await expect(openStorage(db.url, { migrate: false })).rejects.toThrow(/schema is behind.*hooklane migrate/);
  });

  it("applies each migration once when four processes start at the same moment", async () => {
    const clients = Array.from(
      { length: 4 },
      () =>
        new PostgresClient({
          connectionString: db.url,
          poolSize: 1,
          connectTimeoutMs: 5000,
          preparedStatements: true,
          log: silentLogger,
        }),
    );
    try {
      const results = await Promise.all(clients.map((client) => client.migrate()));
      const all = POSTGRES_MIGRATIONS.map((m) => m.version);
      expect(results.filter((applied) => applied.length > 0)).toEqual([all]);
      expect(results.filter((applied) => applied.length === 0)).toHaveLength(3);
    } finally {
      await Promise.all(clients.map((client) => client.close()));
    }
    const recorded = await withPg((c) => c.query("SELECT version FROM schema_migrations ORDER BY version"), db.url);
    expect(recorded.rows.map((r) => r.version)).toEqual(POSTGRES_MIGRATIONS.map((m) => m.version));
    const storage = await openStorage(db.url, { migrate: false });
    await storage.ping();
    await storage.close();
  });
});
