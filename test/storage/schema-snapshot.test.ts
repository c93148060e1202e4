// Guards the schema: the migrated structure of both dialects is compared with checked-in
// dumps, so a change that did not come with a new migration (or a migration that changed
// more than meant) fails CI. After an intended change: `npx vitest run -u <this file>`.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrateSqlite } from "../../src/storage/sqlite/migrations.js";
import { createTestDatabase, withPg, type TestDatabase } from "../helpers/postgres.js";

const oneLine = (sql: string): string => sql.replace(/\s+/g, " ").trim();

describe("schema snapshot", () => {
  let dir: string;
  let pgDb: TestDatabase;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "hooklane-schema-"));
    pgDb = await createTestDatabase();
  });

  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await pgDb.drop();
  });

  it("SQLite matches test/storage/schema/sqlite.sql", async () => {
    const db = new Database(join(dir, "schema.db"));
    try {
      migrateSqlite(db);
      const rows = db
        .prepare(
          "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' AND sql IS NOT NULL ORDER BY tbl_name, type DESC, name",
        )
        .all() as { type: string; name: string; sql: string }[];
      const dump = rows.map((r) => `${oneLine(r.sql)};`).join("\n") + "\n";
      await expect(dump).toMatchFileSnapshot("./schema/sqlite.sql");
    } finally {
      db.close();
    }
  });

  it("PostgreSQL matches test/storage/schema/postgres.txt", async () => {
    const dump = await withPg(async (client) => {
      const lines: string[] = [];
      const columns = await client.query(
        `SELECT table_name, column_name, data_type, is_nullable, column_default, collation_name
         FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, ordinal_position`,
      );
      for (const c of columns.rows) {
        const extras = [
          c.is_nullable === "NO" ? "NOT NULL" : "",
          c.column_default ? `DEFAULT ${c.column_default}` : "",
          c.collation_name ? `COLLATE ${c.collation_name}` : "",
        ].filter(Boolean);
        lines.push(`column ${c.table_name}.${c.column_name} ${c.data_type}${extras.map((e) => " " + e).join("")}`);
      }
      const constraints = await client.query(
        `SELECT conrelid::regclass::text AS table_name, conname, pg_get_constraintdef(oid) AS definition
         FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2`,
      );
      for (const c of constraints.rows) lines.push(`constraint ${c.table_name}.${c.conname} ${c.definition}`);
      const indexes = await client.query(
        "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1, 2",
      );
      for (const i of indexes.rows) lines.push(`index ${i.tablename}.${i.indexname} ${i.indexdef}`);
      return lines.join("\n") + "\n";
    }, pgDb.url);
    await expect(dump).toMatchFileSnapshot("./schema/postgres.txt");
  });
});
