// Durable first, for inbound sources: every request answered 2xx is forwarded even when the
// process is SIGKILLed right after answering. The receiver refuses forwards until the kill,
// so every forward it finally accepts was sent by the restarted process, from the database.
// Also checks that source secrets are sealed at rest when a main secret is configured.
import Database from "better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { spawnHooklane, type ServerProcess } from "./helpers/process.js";
import { startReceiver, type Receiver } from "./helpers/receiver.js";
import { waitFor } from "./helpers/wait.js";

const TOKEN = "sources-crash-admin-token-0123456789";
const INBOUND_TOKEN = "inbound-bearer-token-kept-sealed";
let receiver: Receiver;
let dir: string;
let server: ServerProcess | undefined;

beforeAll(async () => {
  receiver = await startReceiver();
  dir = mkdtempSync(join(tmpdir(), "hooklane-sources-crash-"));
});

afterAll(async () => {
  await server?.stop();
  await receiver.close();
  rmSync(dir, { recursive: true, force: true });
});

async function api(url: string, method: string, path: string, body?: unknown): Promise<any> {
  const response = await fetch(url + path, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(response.status, path).toBeLessThan(300);
  return response.json();
}

it("forwards every inbound request answered 2xx after a SIGKILL right after the answer", async () => {
  const dbPath = join(dir, "sources.db");
  const env = {
    HOOKLANE_ADMIN_TOKEN: TOKEN,
    HOOKLANE_DATABASE_URL: dbPath,
    HOOKLANE_ALLOWED_SUBNETS: "127.0.0.0/8",
    HOOKLANE_MAIN_SECRET: "sources-crash-main-secret-0123456789",
    HOOKLANE_RETRY_SCHEDULE: "0.2,0.2,0.2,0.2,0.2,0.2,0.2,0.2",
    HOOKLANE_LEASE_MARGIN_MS: "1000",
    HOOKLANE_REQUEST_TIMEOUT_MS: "3000",
  };
  let killed = false;
  receiver.on("/inbound", () => ({ status: killed ? 200 : 503 }));
  server = await spawnHooklane([], env);
  const app = await api(server.url, "POST", "/api/v1/app", { name: "crash" });
  await api(server.url, "POST", `/api/v1/app/${app.id}/endpoint`, { url: receiver.url("/inbound") });
  const source = await api(server.url, "POST", "/api/v1/source", {
    name: "producer",
    appId: app.id,
    verification: { type: "bearer", secret: INBOUND_TOKEN },
  });

  const TOTAL = 40;
  const ingestUrl = server.url + `/in/${source.id}`;
  const answers = await Promise.all(
    Array.from({ length: TOTAL }, async (_, i) => {
      const response = await fetch(ingestUrl, {
        method: "POST",
        headers: { authorization: `Bearer ${INBOUND_TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({ i }),
      });
      return response.status;
    }),
  );
  // The kill follows the last 2xx at once: nothing after the answers had a chance to run.
  server.child.kill("SIGKILL");
  await new Promise((resolve) => server!.child.once("exit", resolve));
  killed = true;
  expect(answers.every((status) => status === 200)).toBe(true);

  server = await spawnHooklane([], env);
  const accepted = (): Set<string> =>
    new Set(
      receiver
        .forPath("/inbound")
        .filter((r) => r.body.startsWith('{"i"'))
        .map((r) => r.body),
    );
  await waitFor(() => accepted().size === TOTAL, { what: "every inbound request forwarded", timeoutMs: 90000 });
  expect(accepted()).toEqual(new Set(Array.from({ length: TOTAL }, (_, i) => JSON.stringify({ i }))));
  await server.stop();
  server = undefined;

  // The bearer token is sealed in the database file, not stored in clear.
  const db = new Database(dbPath, { readonly: true });
  try {
    const row = db.prepare("SELECT secret FROM sources WHERE id = ?").get(source.id) as { secret: string };
    expect(row.secret).toMatch(/^enc:v1:/);
    expect(row.secret).not.toContain(INBOUND_TOKEN);
  } finally {
    db.close();
  }
  // Two process starts on a shared, loaded 2-core machine: generous.
}, 240_000);
