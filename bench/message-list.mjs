// What the message list's filters cost in a large application (SQLite): N messages over the
// last 10 days in one application, then the list's first page with no filter, with `before` in
// the middle of the range and near its start, with `after` near its end, with a one-hour
// window in the middle, and by event type: one that 1 message in 1,000 has, one that a third
// have, and both; and an endpoint's attempts (one per message) after the last 30 s, a poller's
// query that finds less than a page, timed. On SQLite a query runs on the event loop, so its time
// is a stall of the API and the delivery worker. Messages are seeded as the publisher mints
// them: the id's time is the message's createdAt.
// Usage: npm run build && node bench/message-list.mjs [N…]
import Database from "better-sqlite3";
import { monotonicFactory } from "ulid";
import { openStorage } from "../dist/storage/open.js";
import { seedApp, withMigratedDatabase } from "./seed.mjs";

const SIZES = process.argv.slice(2).map(Number);
const HOUR = 3_600_000;
const SPAN = 240 * HOUR;
/** 1 KB, as in the end-to-end benchmark: a filter that reads rows reads their pages. */
const PAYLOAD = JSON.stringify({ data: "x".repeat(1000) });

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function seed(path, n, start) {
  const db = new Database(path);
  seedApp(db, "app_bench");
  const message = db.prepare(
    "INSERT INTO messages (id, app_id, event_type, payload, created_at, payload_expires_at) VALUES (?, 'app_bench', ?, ?, ?, ?)",
  );
  const attempt = db.prepare(
    `INSERT INTO attempts (id, message_id, endpoint_id, app_id, url, status, response_status_code, response, response_duration_ms, trigger_type, created_at)
     VALUES (?, ?, 'ep_app_bench', 'app_bench', 'http://127.0.0.1:9/', 0, 200, 'ok', 5, 0, ?)`,
  );
  const ulid = monotonicFactory();
  db.transaction(() => {
    for (let i = 0; i < n; i++) {
      const at = start + Math.floor((i * SPAN) / n);
      const messageId = `msg_${ulid(at)}`;
      message.run(messageId, i % 1000 === 0 ? "rare.event" : `common.${i % 3}`, PAYLOAD, at, at + SPAN);
      // Minted when the response arrived, 5 ms after the attempt began.
      attempt.run(`atmpt_${ulid(at + 5)}`, messageId, at);
    }
  })();
  db.close();
}

function measure(n) {
  return withMigratedDatabase(async (path) => {
    const start = Date.now() - SPAN;
    seed(path, n, start);
    const storage = await openStorage(path);
    const time = async (filter, list = (q) => storage.messages.list("app_bench", q), fullPage = true) => {
      const times = [];
      let count = 0;
      for (let i = 0; i < 5; i++) {
        const started = performance.now();
        count = (await list({ limit: 50, ...filter })).items.length;
        times.push(performance.now() - started);
      }
      if (fullPage ? count !== 50 : count === 0 || count >= 50) {
        throw new Error(`a page of ${count} for ${JSON.stringify(filter)}`);
      }
      return median(times);
    };
    const attempts = (q) => storage.attempts.listForEndpoint("app_bench", "ep_app_bench", q);
    const result = [
      await time({}),
      await time({ before: start + SPAN / 2 }),
      await time({ before: start + HOUR }),
      await time({ after: start + SPAN - HOUR }),
      await time({ after: start + SPAN / 2, before: start + SPAN / 2 + HOUR }),
      await time({ eventTypes: ["rare.event"] }),
      await time({ eventTypes: ["common.1"] }),
      await time({ eventTypes: ["rare.event", "common.1"] }),
      await time({ after: start + SPAN - 30_000 }, attempts, false),
    ];
    await storage.close();
    return result;
  });
}

console.log(
  "messages   first page   before: middle   before: near start   after: last hour   an hour in the middle   type: 1 in 1000   type: 1 in 3   both   attempts: after the last 30 s   (ms, median of 5)",
);
for (const n of SIZES.length > 0 ? SIZES : [1000000]) {
  const [first, middle, early, recent, window, rare, common, both, polled] = await measure(n);
  const cell = (ms, width) => ms.toFixed(2).padStart(width);
  console.log(
    `${String(n).padStart(8)}   ${cell(first, 10)}   ${cell(middle, 14)}   ${cell(early, 19)}   ${cell(recent, 16)}   ${cell(window, 21)}   ${cell(rare, 15)}   ${cell(common, 11)}   ${cell(both, 4)}   ${cell(polled, 27)}`,
  );
}
