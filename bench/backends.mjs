// The storage set-ups the benchmark compares: SQLite in a temp file, and PostgreSQL in a
// fresh database with one or more Hooklane instances sharing it.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { startHooklane } from "./processes.mjs";

const ADMIN_URL = process.env.BENCH_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

export const BACKENDS = {
  sqlite: { label: "sqlite, 1 instance", instances: 1, database: sqliteDatabase },
  postgres1: { label: "postgres, 1 instance", instances: 1, database: postgresDatabase },
  postgres2: { label: "postgres, 2 instances", instances: 2, database: postgresDatabase },
};

async function sqliteDatabase() {
  const dir = mkdtempSync(join(tmpdir(), "hooklane-bench-"));
  return { url: join(dir, "bench.db"), drop: async () => rmSync(dir, { recursive: true, force: true }) };
}

async function postgresDatabase() {
  const name = `hooklane_bench_${process.pid}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: ADMIN_URL });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

/** Starts the backend's instances; the first migrates, the rest join it. */
export async function startBackend(backend, env) {
  const database = await backend.database();
  const servers = [];
  for (let i = 0; i < backend.instances; i++) {
    servers.push(await startHooklane({ ...env, HOOKLANE_DATABASE_URL: database.url }));
  }
  return {
    urls: servers.map((s) => s.url),
    pids: servers.map((s) => s.pid),
    databaseUrl: database.url,
    async stop() {
      await Promise.all(servers.map((s) => s.stop()));
      await database.drop();
    },
  };
}
