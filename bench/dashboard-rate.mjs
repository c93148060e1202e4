// What the dashboard overview's charts cost with history (SQLite): N attempts over the last
// 24 hours, recorded through the delivery results path as the worker records them, then the
// overview's two rate queries (the last hour by minute, the last day by 15 minutes), for all
// applications and for one, timed. On SQLite a query runs on the event loop, so its time is a
// stall of the API and the delivery worker, once per open dashboard every 10 s.
// Usage: npm run build && node bench/dashboard-rate.mjs [N…]
import Database from "better-sqlite3";
import { monotonicFactory } from "ulid";
import { idFloorAt } from "../dist/lib/ids.js";
import { openStorage } from "../dist/storage/open.js";
import { seedApp, seedDeliveries, withMigratedDatabase } from "./seed.mjs";

const SIZES = process.argv.slice(2).map(Number);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const BATCH = 500;

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** N leased deliveries of one endpoint, with their messages, to record results for. */
function seedLeased(path, n, now) {
  const db = new Database(path);
  seedApp(db, "app_bench");
  seedDeliveries(db, {
    appId: "app_bench",
    count: n,
    createdAt: (i) => now - DAY + Math.floor((i * DAY) / n),
    nextAttemptAt: () => now + DAY,
    leaseOwner: "seed",
  });
  db.close();
}

async function recordResults(storage, path, now) {
  const db = new Database(path, { readonly: true });
  const rows = db.prepare("SELECT id, message_id, created_at FROM deliveries ORDER BY id").all();
  db.close();
  const ulid = monotonicFactory();
  for (let start = 0; start < rows.length; start += BATCH) {
    const results = rows.slice(start, start + BATCH).map((row, i) => {
      const at = row.created_at;
      // One in ten fails and is retried: the three outcomes all appear.
      const failed = (start + i) % 10 === 0;
      return {
        deliveryId: row.id,
        leaseOwner: "seed",
        attempt: {
          id: idFloorAt("attempt", at).slice(0, -16) + ulid(at).slice(-16),
          messageId: row.message_id,
          endpointId: "ep_app_bench",
          appId: "app_bench",
          url: "http://127.0.0.1:9/",
          status: failed ? 2 : 0,
          responseStatusCode: failed ? 500 : 200,
          response: "ok",
          responseDurationMs: 5,
          trigger: 0,
          createdAt: at,
        },
        completion: failed ? { kind: "retry", nextAttemptAt: now + DAY } : { kind: "succeeded" },
      };
    });
    await storage.deliveries.complete(results, now);
  }
}

function measure(n) {
  return withMigratedDatabase(async (path) => {
    const now = Date.now();
    seedLeased(path, n, now);
    const storage = await openStorage(path);
    await recordResults(storage, path, now);
    const hourStart = Math.floor(now / MINUTE) * MINUTE + MINUTE - HOUR;
    const dayStart = Math.floor(now / (15 * MINUTE)) * 15 * MINUTE + 15 * MINUTE - DAY;
    const time = async (appId) => {
      const hour = [];
      const day = [];
      let total = 0;
      for (let i = 0; i < 5; i++) {
        let started = performance.now();
        await storage.dashboard.deliveryRate({ since: hourStart, until: hourStart + HOUR, bucketMs: MINUTE, appId });
        hour.push(performance.now() - started);
        started = performance.now();
        const buckets = await storage.dashboard.deliveryRate({
          since: dayStart,
          until: dayStart + DAY,
          bucketMs: 15 * MINUTE,
          appId,
        });
        day.push(performance.now() - started);
        total = buckets.reduce((sum, b) => sum + b.succeeded + b.retrying + b.failed, 0);
      }
      return { hourMs: median(hour), dayMs: median(day), counted: total };
    };
    const all = await time(undefined);
    const one = await time("app_bench");
    await storage.close();
    return { n, all, one };
  });
}

console.log("attempts in the last day   all apps: hour / day query   one app: hour / day query   (median of 5)");
for (const n of SIZES.length > 0 ? SIZES : [100000, 1000000]) {
  const r = await measure(n);
  if (Math.abs(r.all.counted - n) > n * 0.02) throw new Error(`the day's buckets counted ${r.all.counted} of ${n}`);
  console.log(
    `${String(n).padStart(24)}   ${r.all.hourMs.toFixed(1).padStart(14)} / ${r.all.dayMs.toFixed(1)} ms   ${r.one.hourMs.toFixed(1).padStart(16)} / ${r.one.dayMs.toFixed(1)} ms`,
  );
}
