// What the backlog figure costs behind a deep backlog (SQLite): N due deliveries of one
// application (an endpoint that has been down), 10 of another, then the backlog query the
// metrics scrape (all applications) and the dashboard overview (one application) run, timed.
// On SQLite a query runs on the event loop, so its time is a stall of the API and the delivery
// worker, once per scrape and once per open dashboard every 10 s, during the outage itself.
// Usage: npm run build && node bench/backlog-count.mjs [N…]
import Database from "better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monotonicFactory } from "ulid";
import { openStorage } from "../dist/storage/open.js";

const SIZES = process.argv.slice(2).map(Number);
const HOUR = 3_600_000;

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** `n` deliveries of `app`'s one endpoint, due over the last hour, with their messages. */
function seed(db, app, n, now) {
  db.prepare("INSERT INTO applications (id, name, metadata, created_at, updated_at) VALUES (?, ?, '{}', 0, 0)").run(
    app,
    app,
  );
  db.prepare(
    `INSERT INTO endpoints (id, app_id, url, description, version, disabled, metadata, headers, secret, retired_secrets, created_at, updated_at)
     VALUES (?, ?, 'http://127.0.0.1:9/', '', 1, 0, '{}', '{}', 'whsec_x', '[]', 0, 0)`,
  ).run(`ep_${app}`, app);
  const message = db.prepare(
    "INSERT INTO messages (id, app_id, event_type, payload, created_at, payload_expires_at) VALUES (?, ?, 'e', '{}', ?, ?)",
  );
  const delivery = db.prepare(
    "INSERT INTO deliveries (id, message_id, endpoint_id, app_id, status, attempt_count, next_attempt_at, trigger_type, created_at, updated_at) VALUES (?, ?, ?, ?, 1, 1, ?, 0, ?, ?)",
  );
  const ulid = monotonicFactory();
  db.transaction(() => {
    for (let i = 0; i < n; i++) {
      const at = now - HOUR + Math.floor((i * HOUR) / n);
      const messageId = `msg_${ulid(at)}`;
      message.run(messageId, app, at, now + HOUR);
      delivery.run(`dlv_${ulid(at)}`, messageId, `ep_${app}`, app, at, at, at);
    }
  })();
}

async function measure(n) {
  const dir = mkdtempSync(join(tmpdir(), "hooklane-backlog-"));
  try {
    const path = join(dir, "bench.db");
    await (await openStorage(path)).close();
    const now = Date.now();
    const db = new Database(path);
    seed(db, "app_down", n, now);
    seed(db, "app_fine", 10, now);
    db.close();
    const storage = await openStorage(path);
    const time = async (appId) => {
      const times = [];
      let backlog;
      for (let i = 0; i < 7; i++) {
        const started = performance.now();
        backlog = await storage.deliveries.backlog(now, appId);
        times.push(performance.now() - started);
      }
      return { ms: median(times), backlog };
    };
    const all = await time(undefined);
    const down = await time("app_down");
    const fine = await time("app_fine");
    await storage.close();
    return { all, down, fine };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const shown = (r) => `${r.ms.toFixed(2).padStart(8)} ms (${r.backlog.due}${r.backlog.dueCapped ? "+" : ""})`;
console.log(
  "due deliveries   all apps (metrics)         the down app (dashboard)   another app (dashboard)   median of 7",
);
for (const n of SIZES.length > 0 ? SIZES : [100000, 1000000]) {
  const r = await measure(n);
  console.log(`${String(n).padStart(14)}   ${shown(r.all).padEnd(25)}  ${shown(r.down).padEnd(25)}  ${shown(r.fine)}`);
}
