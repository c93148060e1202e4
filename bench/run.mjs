// `npm run bench`: Hooklane against the raw ceiling of this machine and against the usual
// alternatives, in one run:
//   1. raw ceiling: a plain undici Pool POSTing 1 KB JSON to the benchmark receiver;
//   2. end-to-end: publish N messages over HTTP (Hooklane: each durable before its 202), time
//      until the receiver has every one; Hooklane on SQLite and PostgreSQL (1 and 2 instances),
//      the BullMQ baseline and a non-durable fire-and-forget sender (bench/baselines.mjs);
//   3. publish→first-attempt latency p50/p99 at fixed offered rates, and at 90% of the
//      measured end-to-end rate ("max sustainable"), Hooklane SQLite and BullMQ;
//   4. Hooklane SQLite: fan-out 1→10, delivery rate to healthy endpoints while 10% of the
//      endpoints time out, RSS at a backlog of pending deliveries, and cost growth (throughput
//      with 1M stored messages and 100k scheduled retries against an empty database).
// Prints a table and writes bench/results/latest.json. Not part of the test run.
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { readFileSync } from "node:fs";
import { Pool } from "undici";
import { BACKENDS, startBackend } from "./backends.mjs";
import { startBullmq, startFireAndForget } from "./baselines.mjs";
import { startHooklane, startReceiver } from "./processes.mjs";
import { seedHistory } from "./seed.mjs";

const TOKEN = "bench-admin-token-0123456789";
const env = (name, fallback) => process.env[name] ?? fallback;
const REPEAT = Number(env("BENCH_REPEAT", 3));
const MESSAGES = Number(env("BENCH_MESSAGES", 20000));
const CONCURRENCY = Number(env("BENCH_CONCURRENCY", 64));
const RATES = env("BENCH_RATES", "500,2000,3000").split(",").map(Number);
const RATE_SECONDS = Number(env("BENCH_RATE_SECONDS", 10));
const LATENCY_WARMUP_SECONDS = Number(env("BENCH_LATENCY_WARMUP_SECONDS", 2));
const BACKLOG = Number(env("BENCH_BACKLOG", 100000));
const HISTORY = Number(env("BENCH_HISTORY", 1000000));
const HISTORY_RETRIES = Number(env("BENCH_HISTORY_RETRIES", 100000));
const HISTORY_REPEAT = Number(env("BENCH_HISTORY_REPEAT", REPEAT));
const SYSTEM_NAMES = env("BENCH_SYSTEMS", "sqlite,postgres1,postgres2,bullmq,fireAndForget").split(",");
const EXTRAS = env("BENCH_EXTRAS", "drain,latency,fanout,timeouts,backlog,history").split(",");
const WARMUP = 500;
const PAYLOAD = { type: "invoice.paid", data: "x".repeat(960) }; // ≈1 KB JSON
const BODY = JSON.stringify(PAYLOAD);

const SYSTEMS = {
  sqlite: { label: "hooklane sqlite, 1 instance", backend: BACKENDS.sqlite },
  postgres1: { label: "hooklane postgres, 1 instance", backend: BACKENDS.postgres1 },
  postgres2: { label: "hooklane postgres, 2 instances", backend: BACKENDS.postgres2 },
  bullmq: { label: "bullmq + undici (redis aof)", start: startBullmq },
  fireAndForget: { label: "fire-and-forget (no durability)", start: startFireAndForget },
};

const now = () => performance.timeOrigin + performance.now();
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const percentile = (xs, p) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};
/** CPU seconds (user + system) a process has used so far. */
const cpuSeconds = (pid, thread = false) => {
  const path = thread ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`;
  const fields = readFileSync(path, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
};
const rssMb = (pid) => Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))[1]) / 1024;

/** Runs `task(i)` for i in [0, total) with `concurrency` workers. */
async function runConcurrently(total, concurrency, task) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) await task(next++);
    }),
  );
}

async function rawCeiling(receiver) {
  const pool = new Pool(receiver.url, { connections: CONCURRENCY });
  const started = performance.now();
  await runConcurrently(MESSAGES, CONCURRENCY, async () => {
    const response = await pool.request({
      path: "/raw",
      method: "POST",
      headers: { "content-type": "application/json" },
      body: BODY,
    });
    await response.body.dump();
  });
  const seconds = (performance.now() - started) / 1000;
  await pool.close();
  return MESSAGES / seconds;
}

/** A JSON client round-robin over `urls`, as behind a load balancer. */
function apiClient(urls) {
  const pools = urls.map((url) => new Pool(url, { connections: CONCURRENCY }));
  let turn = 0;
  return {
    async call(method, path, body) {
      const pool = pools[turn++ % pools.length];
      const response = await pool.request({
        path,
        method,
        headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const json = await response.body.json();
      if (response.statusCode >= 300)
        throw new Error(`${method} ${path}: ${response.statusCode} ${JSON.stringify(json)}`);
      return json;
    },
    close: () => Promise.all(pools.map((pool) => pool.close())),
  };
}

const HOOKLANE_ENV = {
  HOOKLANE_ADMIN_TOKEN: TOKEN,
  HOOKLANE_ALLOWED_SUBNETS: "127.0.0.0/8",
  HOOKLANE_LOG_LEVEL: "info",
};

/**
 * Starts a system, points it at the receiver and runs `run(publish, context)`. Hooklane gets
 * one app with `endpoints` endpoints, `hanging` of which never answer; `setup` may add to it.
 */
async function withSystem(receiver, name, run, { endpoints = 1, hanging = 0, extraEnv = {}, setup } = {}) {
  const system = SYSTEMS[name];
  const deployment = system.backend
    ? await startBackend(system.backend, { ...HOOKLANE_ENV, ...extraEnv })
    : await system.start(`${receiver.url}/hook`);
  const client = apiClient(deployment.urls);
  try {
    let publish;
    if (system.backend) {
      const app = await client.call("POST", "/api/v1/app", { name: "bench" });
      for (let e = 0; e < endpoints; e++) {
        const path = e < hanging ? `/hang/${e}` : `/hook/${e}`;
        await client.call("POST", `/api/v1/app/${app.id}/endpoint`, { url: `${receiver.url}${path}` });
      }
      await setup?.({ call: client.call, appId: app.id, deployment });
      // with_content=false (Svix's option): the 202 carries the message's id and fields but does
      // not echo the payload back, like the baselines' {id}; a high-volume producer asks for that.
      publish = (payload) =>
        client.call("POST", `/api/v1/app/${app.id}/msg?with_content=false`, { eventType: "invoice.paid", payload });
    } else {
      publish = (payload) => client.call("POST", "/msg", { payload });
    }
    await receiver.reset();
    return await run(publish, { ...deployment, cpuPids: deployment.cpuPids ?? deployment.pids });
  } finally {
    await client.close();
    await deployment.stop();
  }
}

/** Waits until the receiver has `count` distinct webhook-ids (or `deliveries` requests). */
async function waitForReceipts(receiver, { ids = 0, deliveries = 0, timeoutMs = 600000 }) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const stats = await receiver.stats();
    if (stats.ids >= ids && stats.count >= deliveries) return stats;
    if (Date.now() > deadline)
      throw new Error(`only ${stats.count} deliveries arrived (wanted ${ids} ids, ${deliveries})`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Publishes `messages` as fast as CONCURRENCY clients can and times publish and delivery. */
async function drive(receiver, publish, { messages = MESSAGES, deliveriesPerMessage = 1, cpuPids = [] } = {}) {
  const cpu = () => cpuPids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  // The first process's main thread alone (its JavaScript event loop), when that is the limit.
  const mainThread = () => (cpuPids[0] === undefined ? 0 : cpuSeconds(cpuPids[0], true));
  const cpuAtStart = cpu();
  const mainAtStart = mainThread();
  const started = performance.now();
  await runConcurrently(messages, CONCURRENCY, () => publish(PAYLOAD));
  const published = performance.now();
  await waitForReceipts(receiver, { deliveries: messages * deliveriesPerMessage });
  const delivered = performance.now();
  return {
    publishPerSecond: messages / ((published - started) / 1000),
    deliveredPerSecond: (messages * deliveriesPerMessage) / ((delivered - started) / 1000),
    // The system's own CPU per message (ingest, storage, sending): what decides its rate here,
    // where the client and the receiver share the machine's two cores with it.
    cpuMsPerMessage: ((cpu() - cpuAtStart) * 1000) / messages,
    mainThreadMsPerMessage: ((mainThread() - mainAtStart) * 1000) / messages,
  };
}

const endToEnd = (receiver, name) =>
  withSystem(receiver, name, (publish, { cpuPids }) => drive(receiver, publish, { cpuPids }));

/**
 * Publishes `total` messages at `rate` per second (in 2 ms ticks); `onAccepted(message, sentAt)`
 * runs as each publish is answered. Resolves when every publish was answered.
 */
async function publishAtRate(publish, rate, total, onAccepted = () => {}) {
  const inFlight = [];
  const started = performance.now();
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate));
    for (; sent < due; sent++) {
      const t = now();
      inFlight.push(publish(PAYLOAD).then((message) => onAccepted(message, t)));
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  await Promise.all(inFlight);
}

/** Cumulative bucket counts of one Prometheus histogram on a Hooklane instance. */
async function histogramBuckets(url, metric) {
  const response = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  const buckets = new Map();
  for (const [, le, count] of (await response.text()).matchAll(
    new RegExp(`^${metric}_bucket\\{le="([^"]+)"\\} (\\d+)$`, "gm"),
  ))
    buckets.set(le, Number(count));
  return buckets;
}

/** The bucket bound under which fraction `q` of the observations between two scrapes fell. */
function bucketQuantile(before, after, q) {
  const total = after.get("+Inf") - (before.get("+Inf") ?? 0);
  for (const [le, count] of after) if (count - (before.get(le) ?? 0) >= q * total) return Number(le) * 1000;
  return Infinity;
}

async function latencyAt(receiver, name, rate) {
  return withSystem(receiver, name, async (publish, { urls }) => {
    // Warm up first (JIT, connections, page cache): the figure is steady-state latency. The
    // warm-up runs at the measured rate: after a gentler one, every system (BullMQ as much as
    // Hooklane) spent its first second at a new rate catching up, with p99s of 140–560 ms
    // at 2,000/s that were gone from the second second on.
    await runConcurrently(WARMUP, 8, () => publish(PAYLOAD));
    const warmUp = Math.round(rate * LATENCY_WARMUP_SECONDS);
    await publishAtRate(publish, rate, warmUp);
    await waitForReceipts(receiver, { ids: WARMUP + warmUp });
    await receiver.reset();
    // Hooklane on SQLite: how long its WAL syncs took meanwhile (the disk's floor under latency).
    const syncs = name === "sqlite" ? "hooklane_sqlite_wal_sync_duration_seconds" : undefined;
    const syncsBefore = syncs && (await histogramBuckets(urls[0], syncs));
    const sentAt = new Map();
    await publishAtRate(publish, rate, Math.round(rate * RATE_SECONDS), (message, t) => sentAt.set(message.id, t));
    await waitForReceipts(receiver, { ids: sentAt.size });
    const receipts = await receiver.receipts();
    const latencies = [...sentAt].map(([id, t]) => receipts[id] - t);
    const result = { rate: Math.round(rate), p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
    if (syncs) {
      const syncsAfter = await histogramBuckets(urls[0], syncs);
      result.walSyncP50Under = bucketQuantile(syncsBefore, syncsAfter, 0.5);
      result.walSyncP99Under = bucketQuantile(syncsBefore, syncsAfter, 0.99);
    }
    return result;
  });
}

/** Seconds `task` takes. */
async function timed(task) {
  const started = performance.now();
  await task();
  return (performance.now() - started) / 1000;
}

/** Rate between the first and the last receipt of `count` messages (startup not counted). */
async function drainRate(receiver, count) {
  await waitForReceipts(receiver, { ids: count });
  const times = Object.values(await receiver.receipts());
  return (count - 1) / ((Math.max(...times) - Math.min(...times)) / 1000);
}

/**
 * Stores MESSAGES with nothing sending, then starts sending: the rate publishes are accepted
 * on their own (Hooklane: each durable before its 202), and the rate the stored backlog then
 * drains at. Hooklane: an API-only instance takes the publishes, then `instances` worker-only
 * instances on the same database send them; BullMQ: jobs are enqueued with the worker paused,
 * then the worker runs.
 */
async function drainRun(receiver, name) {
  await receiver.reset();
  if (name === "bullmq") {
    const deployment = await startBullmq(`${receiver.url}/hook`, { paused: true });
    const client = apiClient(deployment.urls);
    try {
      const seconds = await timed(() =>
        runConcurrently(MESSAGES, CONCURRENCY, () => client.call("POST", "/msg", { payload: PAYLOAD })),
      );
      await deployment.startSending();
      return { ingestPerSecond: MESSAGES / seconds, drainPerSecond: await drainRate(receiver, MESSAGES) };
    } finally {
      await client.close();
      await deployment.stop();
    }
  }
  const backend = BACKENDS[name];
  const database = await backend.database();
  const on = (role) => startHooklane({ ...HOOKLANE_ENV, HOOKLANE_DATABASE_URL: database.url, HOOKLANE_ROLE: role });
  try {
    const api = await on("api");
    const client = apiClient([api.url]);
    let seconds;
    try {
      const app = await client.call("POST", "/api/v1/app", { name: "bench" });
      await client.call("POST", `/api/v1/app/${app.id}/endpoint`, { url: `${receiver.url}/hook/0` });
      const body = { eventType: "invoice.paid", payload: PAYLOAD };
      seconds = await timed(() =>
        runConcurrently(MESSAGES, CONCURRENCY, () =>
          client.call("POST", `/api/v1/app/${app.id}/msg?with_content=false`, body),
        ),
      );
    } finally {
      await client.close();
      await api.stop();
    }
    const workers = [];
    try {
      for (let i = 0; i < backend.instances; i++) workers.push(await on("worker"));
      return { ingestPerSecond: MESSAGES / seconds, drainPerSecond: await drainRate(receiver, MESSAGES) };
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
    }
  } finally {
    await database.drop();
  }
}

/** One message to 10 endpoints: deliveries/s. */
const fanOut = (receiver) =>
  withSystem(
    receiver,
    "sqlite",
    (publish) => drive(receiver, publish, { messages: MESSAGES / 10, deliveriesPerMessage: 10 }),
    {
      endpoints: 10,
    },
  );

/** 20 endpoints, 2 of which never answer: deliveries/s to the 18 healthy ones. */
const withTimeouts = (receiver) =>
  withSystem(
    receiver,
    "sqlite",
    (publish) => drive(receiver, publish, { messages: MESSAGES / 18, deliveriesPerMessage: 18 }),
    {
      endpoints: 20,
      hanging: 2,
      extraEnv: { HOOKLANE_REQUEST_TIMEOUT_MS: "15000" },
    },
  );

/** Publishes BACKLOG messages to an endpoint that never answers; RSS once all are pending. */
const backlogRss = (receiver) =>
  withSystem(
    receiver,
    "sqlite",
    async (publish, deployment) => {
      const pid = deployment.pids[0];
      const idle = rssMb(pid);
      await runConcurrently(BACKLOG, CONCURRENCY, () => publish(PAYLOAD));
      // Let the worker claim and time out a round, so the figure includes its working set.
      await new Promise((resolve) => setTimeout(resolve, 5000));
      return { pending: BACKLOG, idleRssMb: idle, rssMb: rssMb(pid) };
    },
    { endpoints: 1, hanging: 1, extraEnv: { HOOKLANE_REQUEST_TIMEOUT_MS: "2000" } },
  );

/** End-to-end on SQLite after writing HISTORY finished messages and HISTORY_RETRIES scheduled retries. */
const withHistory = (receiver) =>
  withSystem(receiver, "sqlite", (publish, { cpuPids }) => drive(receiver, publish, { cpuPids }), {
    setup: async ({ call, appId, deployment }) => {
      const [endpoint] = (await call("GET", `/api/v1/app/${appId}/endpoint`)).data;
      // Its channel keeps the run's messages away: without it every message fanned out to this
      // endpoint too, and the "history" run did twice the deliveries of the empty one.
      const idle = await call("POST", `/api/v1/app/${appId}/endpoint`, {
        url: `${receiver.url}/hook/idle`,
        channels: ["idle"],
      });
      const started = performance.now();
      seedHistory(deployment.databaseUrl, {
        appId,
        endpointId: endpoint.id,
        idleEndpointId: idle.id,
        url: endpoint.url,
        messages: HISTORY,
        retries: HISTORY_RETRIES,
      });
      process.stderr.write(`seeded ${HISTORY} messages in ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
    },
  });

async function main() {
  const receiver = await startReceiver();
  const results = {
    machine: {
      cores: cpus().length,
      cpu: cpus()[0]?.model,
      memoryGb: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      loadAtStart: loadavg(),
    },
    messages: MESSAGES,
    concurrency: CONCURRENCY,
    repeat: REPEAT,
    systems: {},
  };
  const log = (line) => process.stderr.write(line + "\n");
  try {
    // Interleave the systems run by run, so drift in the machine's load hits all alike.
    const raw = [];
    const runs = Object.fromEntries(SYSTEM_NAMES.map((name) => [name, []]));
    const history = [];
    for (let i = 0; i < REPEAT; i++) {
      raw.push(await rawCeiling(receiver));
      for (const name of SYSTEM_NAMES) runs[name].push(await endToEnd(receiver, name));
      // Every run, like the others: seeding a million rows takes about 25 s, and a single run
      // against the median of the empty ones mostly measured the machine's drift.
      if (EXTRAS.includes("history") && runs.sqlite && i < HISTORY_REPEAT) history.push(await withHistory(receiver));
      log(
        `run ${i + 1}/${REPEAT} (load ${loadavg()[0].toFixed(1)}): raw ${raw[i].toFixed(0)}/s, ` +
          SYSTEM_NAMES.map((name) => `${name} ${runs[name][i].deliveredPerSecond.toFixed(0)}/s`).join(", ") +
          (history[i] ? `, sqlite with history ${history[i].deliveredPerSecond.toFixed(0)}/s` : ""),
      );
    }
    results.rawCeilingPerSecond = median(raw);
    for (const name of SYSTEM_NAMES) {
      const delivered = median(runs[name].map((r) => r.deliveredPerSecond));
      results.systems[name] = {
        label: SYSTEMS[name].label,
        publishPerSecond: median(runs[name].map((r) => r.publishPerSecond)),
        deliveredPerSecond: delivered,
        runs: runs[name].map((r) => Math.round(r.deliveredPerSecond)),
        cpuMsPerMessage: median(runs[name].map((r) => r.cpuMsPerMessage)),
        mainThreadMsPerMessage: median(runs[name].map((r) => r.mainThreadMsPerMessage)),
        ratioToCeiling: delivered / results.rawCeilingPerSecond,
      };
    }
    // Each run measures every system back to back; the machine's speed drifts by ±20 % between
    // runs, so a ratio of two medians (possibly from different runs) says less than the median
    // of the ratios within each run.
    const perRun = (other) =>
      runs.sqlite && runs[other]
        ? runs.sqlite.map((r, i) => r.deliveredPerSecond / runs[other][i].deliveredPerSecond)
        : [];
    results.ratios = {
      sqliteToBullmq: median(perRun("bullmq")),
      sqliteToFireAndForget: median(perRun("fireAndForget")),
      sqliteToBullmqPerRun: perRun("bullmq"),
      sqliteToFireAndForgetPerRun: perRun("fireAndForget"),
    };
    if (history.length) {
      // Each history run is compared with the empty-database run just before it: the machine's
      // speed drifts by ±20% within minutes, more than the effect being measured.
      const paired = (field) => median(history.map((r, i) => r[field] / runs.sqlite[i][field]));
      results.history = {
        messages: HISTORY,
        retries: HISTORY_RETRIES,
        deliveredPerSecond: median(history.map((r) => r.deliveredPerSecond)),
        runs: history.map((r) => Math.round(r.deliveredPerSecond)),
        cpuMsPerMessage: median(history.map((r) => r.cpuMsPerMessage)),
        mainThreadMsPerMessage: median(history.map((r) => r.mainThreadMsPerMessage)),
        ratioToEmpty: paired("deliveredPerSecond"),
        cpuRatioToEmpty: paired("cpuMsPerMessage"),
      };
    }
    if (EXTRAS.includes("drain")) {
      const names = ["sqlite", "postgres1", "postgres2", "bullmq"].filter((n) => SYSTEM_NAMES.includes(n));
      const drains = Object.fromEntries(names.map((name) => [name, []]));
      // Interleaved like the end-to-end runs, so the machine's drift hits all alike.
      for (let i = 0; i < REPEAT; i++) {
        for (const name of names) drains[name].push(await drainRun(receiver, name));
        log(
          `drain ${i + 1}/${REPEAT}: ` +
            names
              .map(
                (n) =>
                  `${n} ingest ${drains[n][i].ingestPerSecond.toFixed(0)}/s drain ${drains[n][i].drainPerSecond.toFixed(0)}/s`,
              )
              .join(", "),
        );
      }
      results.drain = names.map((name) => ({
        system: name,
        label: SYSTEMS[name].label,
        ingestPerSecond: median(drains[name].map((r) => r.ingestPerSecond)),
        drainPerSecond: median(drains[name].map((r) => r.drainPerSecond)),
      }));
    }
    if (EXTRAS.includes("latency")) {
      results.latency = [];
      for (const name of ["sqlite", "bullmq"].filter((n) => SYSTEM_NAMES.includes(n))) {
        const sustainable = 0.9 * results.systems[name].deliveredPerSecond;
        for (const rate of [...RATES, sustainable]) {
          const l = await latencyAt(receiver, name, rate);
          results.latency.push({ system: name, maxSustainable: rate === sustainable, ...l });
          log(`latency ${name} at ${l.rate}/s: p50 ${l.p50.toFixed(1)} ms, p99 ${l.p99.toFixed(1)} ms`);
        }
      }
    }
    if (EXTRAS.includes("fanout")) results.fanOut = await fanOut(receiver);
    if (EXTRAS.includes("timeouts")) results.withTimeouts = await withTimeouts(receiver);
    if (EXTRAS.includes("backlog")) results.backlog = await backlogRss(receiver);
    results.machine.loadAtEnd = loadavg();
  } finally {
    receiver.stop();
  }

  const f = (n) => (n === undefined ? "-" : n.toFixed(0)).padStart(9);
  const pct = (x) => `${(x * 100).toFixed(0)}%`;
  const lines = [
    `Hooklane benchmark — ${results.machine.cores} cores, Node ${results.machine.node}, ${MESSAGES} msgs × ${REPEAT} runs (medians), client concurrency ${CONCURRENCY}, load ${results.machine.loadAtStart[0].toFixed(1)} → ${results.machine.loadAtEnd[0].toFixed(1)}`,
    "",
    "system                               publish/s  delivered/s  of raw ceiling  CPU ms/msg (main thread)",
    `raw ceiling (undici → receiver)                   ${f(results.rawCeilingPerSecond)}`,
    ...SYSTEM_NAMES.map((name) => {
      const r = results.systems[name];
      return `${r.label.padEnd(34)}${f(r.publishPerSecond)}    ${f(r.deliveredPerSecond)}    ${pct(r.ratioToCeiling).padStart(6)}     ${r.cpuMsPerMessage.toFixed(3).padStart(7)} (${r.mainThreadMsPerMessage.toFixed(3)})`;
    }),
    "",
    `hooklane sqlite ÷ bullmq: ${results.ratios.sqliteToBullmq?.toFixed(2)}× (runs ${results.ratios.sqliteToBullmqPerRun.map((r) => r.toFixed(2)).join(", ")})   ` +
      `÷ fire-and-forget: ${pct(results.ratios.sqliteToFireAndForget)} (runs ${results.ratios.sqliteToFireAndForgetPerRun.map((r) => pct(r).trim()).join(", ")}); medians of the ratios within each run`,
  ];
  if (results.drain) {
    lines.push("", `stored backlog of ${MESSAGES} (nothing sending while it is stored)   ingest/s    drain/s`);
    for (const d of results.drain)
      lines.push(`  ${d.label.padEnd(36)} ${f(d.ingestPerSecond).padStart(14)} ${f(d.drainPerSecond).padStart(10)}`);
  }
  if (results.latency) {
    lines.push("", "publish→first attempt             p50 ms     p99 ms   WAL fdatasync p50/p99 (bucket bound)");
    const bound = (ms) => (ms < 1 ? `≤${ms}` : `≤${ms.toFixed(0)}`);
    for (const l of results.latency)
      lines.push(
        `  ${l.system.padEnd(7)} ${String(l.rate).padStart(6)} msg/s${l.maxSustainable ? " (90% of max)" : "             "} ${l.p50.toFixed(1).padStart(8)} ${l.p99.toFixed(1).padStart(10)}` +
          (l.walSyncP99Under === undefined ? "" : `   ${bound(l.walSyncP50Under)} / ${bound(l.walSyncP99Under)} ms`),
      );
  }
  if (results.fanOut)
    lines.push("", `fan-out 1→10 (sqlite): ${f(results.fanOut.deliveredPerSecond).trim()} deliveries/s`);
  if (results.withTimeouts)
    lines.push(
      `18 healthy + 2 timing-out endpoints (sqlite): ${f(results.withTimeouts.deliveredPerSecond).trim()} healthy deliveries/s`,
    );
  if (results.backlog)
    lines.push(
      `RSS at ${results.backlog.pending} pending deliveries: ${results.backlog.rssMb.toFixed(0)} MB (idle ${results.backlog.idleRssMb.toFixed(0)} MB)`,
    );
  if (results.history)
    lines.push(
      `with ${results.history.messages} stored messages + ${results.history.retries} scheduled retries: ${f(results.history.deliveredPerSecond).trim()}/s = ${pct(results.history.ratioToEmpty)} of empty (median of runs each paired with the empty run before it), CPU ${results.history.cpuMsPerMessage.toFixed(3)} ms/msg (main thread ${results.history.mainThreadMsPerMessage.toFixed(3)}) = ${pct(results.history.cpuRatioToEmpty)} of empty's`,
    );
  console.log(lines.join("\n"));
  mkdirSync(new URL("./results/", import.meta.url), { recursive: true });
  writeFileSync(new URL("./results/latest.json", import.meta.url), JSON.stringify(results, null, 2));
}

await main();
