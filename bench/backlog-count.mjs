// What the backlog figure costs behind a deep backlog (SQLite): N due deliveries of one
// application (an endpoint that has been down), 10 of another, then the backlog query the
// metrics scrape (all applications) and the dashboard overview (one application) run, timed.
// On SQLite a query runs on the event loop, so its time is a stall of the API and the delivery
// worker, once per scrape and once per open dashboard every 10 s, during the outage itself.
// Usage: npm run build && node bench/backlog-count.mjs [N…]
import Database from "better-sqlite3";
import { openStorage } from "../dist/storage/open.js";
import { seedApp, seedDeliveries, withMigratedDatabase } from "./seed.mjs";

const SIZES = process.argv.slice(2).map(Number);
const HOUR = 3_600_000;

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function measure(n) {
  return withMigratedDatabase(async (path) => {
    const now = Date.now();
    const db = new Database(path);
    // Due over the last hour (an endpoint that has been down).
    const due = (appId, count) =>
      seedDeliveries(db, {
        appId,
        count,
        createdAt: (i) => now - HOUR + Math.floor((i * HOUR) / count),
        nextAttemptAt: (at) => at,
      });
    for (const appId of ["app_down", "app_fine"]) seedApp(db, appId);
    due("app_down", n);
    due("app_fine", 10);
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
  });
}

const shown = (r) => `${r.ms.toFixed(2).padStart(8)} ms (${r.backlog.due}${r.backlog.dueCapped ? "+" : ""})`;
console.log(
  "due deliveries   all apps (metrics)         the down app (dashboard)   another app (dashboard)   median of 7",
);
for (const n of SIZES.length > 0 ? SIZES : [100000, 1000000]) {
  const r = await measure(n);
  console.log(`${String(n).padStart(14)}   ${shown(r.all).padEnd(25)}  ${shown(r.down).padEnd(25)}  ${shown(r.fine)}`);
}
