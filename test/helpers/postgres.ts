// A fresh PostgreSQL database per test file, cloned from a migrated template (CREATE DATABASE
// … TEMPLATE is a file copy, far faster than migrating each time), dropped afterwards.
import { createHash, randomBytes } from "node:crypto";
import pg from "pg";
import { migratePostgres, POSTGRES_MIGRATIONS } from "../../src/storage/postgres/migrations.js";

/** A maintenance connection; the database itself is never changed by the tests. */
export const PG_ADMIN_URL = process.env.HOOKLANE_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";

const DB_PREFIX = "hl_pgtest_";
const TEMPLATE_PREFIX = "hl_pgtmpl_";
/** Serialises template creation across test files running in parallel. */
const TEMPLATE_LOCK_KEY = 0x686c746d; // "hltm"

/** The template's name changes with the migrations, so a schema change gets a new one. */
const templateName = (): string =>
  TEMPLATE_PREFIX +
  createHash("sha256")
    .update(POSTGRES_MIGRATIONS.map((m) => `${m.version}:${m.sql}`).join("\n"))
    .digest("hex")
    .slice(0, 12);

export function databaseUrl(name: string): string {
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

const ident = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** Runs statements on a short-lived connection to `url` (the maintenance database by default). */
export async function withPg<T>(use: (client: pg.Client) => Promise<T>, url = PG_ADMIN_URL): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  client.on("error", () => undefined);
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function ensureTemplate(admin: pg.Client): Promise<string> {
  const template = templateName();
  await admin.query("SELECT pg_advisory_lock($1)", [TEMPLATE_LOCK_KEY]);
  try {
    const existing = (
      await admin.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE 'hl\\_pg%'")
    ).rows.map((r) => r.datname);
    // Leftovers: templates of older schemas, and databases of test processes that died.
    for (const name of existing) {
      const pid = Number(/^hl_pgtest_(\d+)_/.exec(name)?.[1]);
      const stale =
        (name.startsWith(TEMPLATE_PREFIX) && name !== template) ||
        (name.startsWith(DB_PREFIX) && Number.isInteger(pid) && !processAlive(pid));
      if (stale) await admin.query(`DROP DATABASE IF EXISTS ${ident(name)} WITH (FORCE)`);
    }
    if (existing.includes(template)) return template;
    // Build under another name and rename when complete, so a crash mid-way never leaves a
    // half-migrated template behind.
    const building = `${template}_building`;
    await admin.query(`DROP DATABASE IF EXISTS ${ident(building)} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${ident(building)}`);
    await withPg((client) => migratePostgres(client), databaseUrl(building));
    await admin.query(`ALTER DATABASE ${ident(building)} RENAME TO ${ident(template)}`);
    return template;
  } finally {
    await admin.query("SELECT pg_advisory_unlock($1)", [TEMPLATE_LOCK_KEY]);
  }
}

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** Clones a migrated database for this test file (or an empty one). Call drop() in afterAll. */
export async function createTestDatabase({ migrated = true } = {}): Promise<TestDatabase> {
  const name = `${DB_PREFIX}${process.pid}_${randomBytes(4).toString("hex")}`;
  await withPg(async (admin) => {
    const template = await ensureTemplate(admin);
    await admin.query(`CREATE DATABASE ${ident(name)}${migrated ? ` TEMPLATE ${ident(template)}` : ""}`);
  });
  return {
    name,
    url: databaseUrl(name),
    drop: () =>
      withPg(async (admin) => void (await admin.query(`DROP DATABASE IF EXISTS ${ident(name)} WITH (FORCE)`))),
  };
}

/** Ends every connection to the database but ours, as a PostgreSQL restart would. Returns how many. */
export async function terminateConnections(name: string): Promise<number> {
  return withPg(async (admin) => {
    const result = await admin.query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
      [name],
    );
    return result.rowCount ?? 0;
  });
}

/** Refuses new connections to the database (as while PostgreSQL is down) or allows them again. */
export async function setConnectionsAllowed(name: string, allowed: boolean): Promise<void> {
  await withPg((admin) => admin.query(`ALTER DATABASE ${ident(name)} WITH ALLOW_CONNECTIONS ${allowed}`));
}
