// What a claim scan costs behind a saturated endpoint's backlog (SQLite): endpoint A has N due
// first attempts older than anything else (it is slower than its publish rate), the worker has
// A at its concurrency cap, so claims exclude A and must step over its rows in the due index
// to reach endpoint B's. Prints the time of a claim that finds nothing (a poll scan) and of one
// that claims B's rows, for growing N. BENCH_IDLE_ENDPOINTS=E adds E endpoints with no
// deliveries (a large deployment: most endpoints have nothing queued at a given moment).
// Usage: npm run build && [BENCH_IDLE_ENDPOINTS=E] node bench/claim-walk.mjs [N…]
import Database from "better-sqlite3";
import { monotonicFactory } from "ulid";
import { openStorage } from "../dist/storage/open.js";
import { BACKENDS, startBackend } from "./backends.mjs";

const TOKEN = "bench-admin-token-0123456789abcdef";
const SIZES = process.argv.slice(2).map(Number);
const B_ROWS = 64;
const IDLE_ENDPOINTS = Number(process.env.BENCH_IDLE_ENDPOINTS ?? 0);

async function api(url, method, path, body) {
  const response = await fetch(url + path, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

/** N due deliveries for A (oldest first), then B_ROWS for B, with their messages. */
function seed(dbPath, { appId, slowId, healthyId }, n, now) {
  const db = new Database(dbPath);
  const ulid = monotonicFactory();
  const message = db.prepare(
    "INSERT INTO messages (id, app_id, event_type, payload, created_at, payload_expires_at) VALUES (?, ?, 'e', '{}', ?, ?)",
  );
  const delivery = db.prepare(
    "INSERT INTO deliveries (id, message_id, endpoint_id, app_id, status, attempt_count, next_attempt_at, trigger_type, created_at, updated_at) VALUES (?, ?, ?, ?, 1, 0, ?, 0, ?, ?)",
  );
  const write = db.transaction((endpointId, count, from) => {
    for (let i = 0; i < count; i++) {
      const at = from + i;
      const messageId = `msg_${ulid(at)}`;
      message.run(messageId, appId, at, now + 86400000);
      delivery.run(`dlv_${ulid(at)}`, messageId, endpointId, appId, at, at, at);
    }
  });
  // Copies of B (same app, URL and settings) under new ids.
  const columns = db.pragma("table_info(endpoints)").map((column) => column.name);
  const copied = columns.map((name) => (name === "id" ? "?" : name === "uid" ? "NULL" : name));
  const idle = db.prepare(`INSERT INTO endpoints (${columns}) SELECT ${copied} FROM endpoints WHERE id = ?`);
  db.transaction(() => {
    for (let i = 0; i < IDLE_ENDPOINTS; i++) idle.run(`ep_${ulid()}`, healthyId);
  })();
  const start = now - n - B_ROWS - 1000;
  for (let done = 0; done < n; done += 50000) write(slowId, Math.min(50000, n - done), start + done);
  write(healthyId, B_ROWS, start + n);
  db.pragma("wal_checkpoint(TRUNCATE)");
  db.close();
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function measure(n) {
  const deployment = await startBackend(BACKENDS.sqlite, {
    HOOKLANE_ADMIN_TOKEN: TOKEN,
    HOOKLANE_ALLOWED_SUBNETS: "127.0.0.0/8",
    HOOKLANE_LOG_LEVEL: "info",
    HOOKLANE_ROLE: "api", // nothing sends: the rows stay due
  });
  const [url] = deployment.urls;
  const app = await api(url, "POST", "/api/v1/app", { name: "walk" });
  const slow = await api(url, "POST", `/api/v1/app/${app.id}/endpoint`, { url: "http://127.0.0.1:9/slow" });
  const healthy = await api(url, "POST", `/api/v1/app/${app.id}/endpoint`, { url: "http://127.0.0.1:9/ok" });
  const now = Date.now();
  seed(deployment.databaseUrl, { appId: app.id, slowId: slow.id, healthyId: healthy.id }, n, now);
  const storage = await openStorage(deployment.databaseUrl);
  const claim = async (owner) => {
    const started = performance.now();
    const claimed = await storage.deliveries.claimDue({
      leaseOwner: owner,
      nowMs: now,
      leaseMs: 60000,
      limit: 64,
      perEndpointLimit: 64,
      excludeEndpointIds: [slow.id],
    });
    return { ms: performance.now() - started, claimed: claimed.length };
  };
  const found = await claim("walk:0");
  const empty = [];
  for (let i = 1; i <= 11; i++) empty.push((await claim(`walk:${i}`)).ms);
  await storage.close();
  await deployment.stop();
  return { n, claimedMs: found.ms, claimed: found.claimed, emptyMs: median(empty) };
}

if (IDLE_ENDPOINTS > 0) console.log(`with ${IDLE_ENDPOINTS} more endpoints that have nothing queued`);
console.log("due rows of the excluded endpoint   claim of B's 64 rows   empty claim (median of 11)");
for (const n of SIZES.length > 0 ? SIZES : [10000, 100000, 1000000]) {
  const r = await measure(n);
  if (r.claimed !== B_ROWS) throw new Error(`claimed ${r.claimed} of B's ${B_ROWS} rows`);
  console.log(
    `${String(r.n).padStart(34)}   ${r.claimedMs.toFixed(1).padStart(17)} ms   ${r.emptyMs.toFixed(1).padStart(22)} ms`,
  );
}
