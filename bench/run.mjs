// `npm run bench`: Hooklane against the raw ceiling of this machine, in one run.
//   1. raw ceiling: a plain undici Pool POSTing 1 KB JSON to the benchmark receiver;
//   2. Hooklane end-to-end: publish N messages through the API (each durable before its 202),
//      time until the receiver has every one, and the ratio to (1); on SQLite, and on
//      PostgreSQL with one and with two instances sharing the database;
//   3. publish→first-attempt latency p50/p99 at fixed offered rates (SQLite).
// Prints a table and writes bench/results/latest.json. Not part of the test run.
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { Pool } from "undici";
import { BACKENDS, startBackend } from "./backends.mjs";
import { startReceiver } from "./processes.mjs";

const TOKEN = "bench-admin-token-0123456789";
const REPEAT = Number(process.env.BENCH_REPEAT ?? 3);
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 20000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 64);
const RATES = (process.env.BENCH_RATES ?? "500,2000").split(",").map(Number);
const RATE_SECONDS = Number(process.env.BENCH_RATE_SECONDS ?? 10);
const WARMUP = 500;
const PAYLOAD = { type: "invoice.paid", data: "x".repeat(960) }; // ≈1 KB JSON
const BODY = JSON.stringify(PAYLOAD);

const now = () => performance.timeOrigin + performance.now();
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const percentile = (xs, p) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};

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

async function withHooklane(receiver, backend, run) {
  const deployment = await startBackend(backend, {
    HOOKLANE_ADMIN_TOKEN: TOKEN,
    HOOKLANE_ALLOWED_SUBNETS: "127.0.0.0/8",
    HOOKLANE_LOG_LEVEL: "info",
  });
  // Publishes go round-robin to every instance's API, as behind a load balancer.
  const pools = deployment.urls.map((url) => new Pool(url, { connections: CONCURRENCY }));
  let turn = 0;
  const call = async (method, path, body) => {
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
  };
  try {
    const app = await call("POST", "/api/v1/app", { name: "bench" });
    await call("POST", `/api/v1/app/${app.id}/endpoint`, { url: `${receiver.url}/hook` });
    await receiver.reset();
    return await run((payload) => call("POST", `/api/v1/app/${app.id}/msg`, { eventType: "invoice.paid", payload }));
  } finally {
    await Promise.all(pools.map((pool) => pool.close()));
    await deployment.stop();
  }
}

async function waitForReceipts(receiver, count, timeoutMs = 300000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const stats = await receiver.stats();
    if (Object.keys(stats.receipts).length >= count) return stats;
    if (Date.now() > deadline) throw new Error(`only ${stats.count} of ${count} deliveries arrived`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function endToEnd(receiver, backend) {
  return withHooklane(receiver, backend, async (publish) => {
    const started = performance.now();
    await runConcurrently(MESSAGES, CONCURRENCY, () => publish(PAYLOAD));
    const published = performance.now();
    await waitForReceipts(receiver, MESSAGES);
    const delivered = performance.now();
    return {
      publishPerSecond: MESSAGES / ((published - started) / 1000),
      deliveredPerSecond: MESSAGES / ((delivered - started) / 1000),
    };
  });
}

async function latencyAt(receiver, rate) {
  return withHooklane(receiver, BACKENDS.sqlite, async (publish) => {
    // Warm up first (JIT, connections, SQLite page cache): the figure is steady-state latency.
    await runConcurrently(WARMUP, 8, () => publish(PAYLOAD));
    await waitForReceipts(receiver, WARMUP);
    await receiver.reset();
    const total = rate * RATE_SECONDS;
    const sentAt = new Map();
    const inFlight = [];
    const started = performance.now();
    let sent = 0;
    while (sent < total) {
      const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate));
      for (; sent < due; sent++) {
        const t = now();
        inFlight.push(publish(PAYLOAD).then((message) => sentAt.set(message.id, t)));
      }
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    await Promise.all(inFlight);
    const stats = await waitForReceipts(receiver, total);
    const latencies = [...sentAt].map(([id, t]) => stats.receipts[id] - t);
    return { rate, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
  });
}

const SCENARIOS = (process.env.BENCH_BACKENDS ?? "sqlite,postgres1,postgres2").split(",");

async function main() {
  const receiver = await startReceiver();
  const results = {
    machine: { cores: cpus().length, node: process.version },
    messages: MESSAGES,
    concurrency: CONCURRENCY,
    repeat: REPEAT,
    backends: {},
  };
  try {
    // Interleave the scenarios run by run, so drift in the machine's load hits all alike.
    const raw = [];
    const runs = Object.fromEntries(SCENARIOS.map((name) => [name, []]));
    for (let i = 0; i < REPEAT; i++) {
      raw.push(await rawCeiling(receiver));
      for (const name of SCENARIOS) runs[name].push(await endToEnd(receiver, BACKENDS[name]));
      process.stderr.write(
        `run ${i + 1}/${REPEAT}: raw ${raw[i].toFixed(0)}/s, ` +
          SCENARIOS.map((name) => `${name} ${runs[name][i].deliveredPerSecond.toFixed(0)}/s`).join(", ") +
          "\n",
      );
    }
    results.rawCeilingPerSecond = median(raw);
    for (const name of SCENARIOS) {
      const delivered = median(runs[name].map((r) => r.deliveredPerSecond));
      results.backends[name] = {
        publishPerSecond: median(runs[name].map((r) => r.publishPerSecond)),
        deliveredPerSecond: delivered,
        ratioToCeiling: delivered / results.rawCeilingPerSecond,
      };
    }
    results.latency = [];
    for (const rate of RATES) results.latency.push(await latencyAt(receiver, rate));
  } finally {
    receiver.stop();
  }

  const f = (n) => n.toFixed(0).padStart(9);
  const lines = [
    `Hooklane benchmark — ${results.machine.cores} cores, Node ${results.machine.node}, ${MESSAGES} msgs × ${REPEAT} runs (medians), client concurrency ${CONCURRENCY}`,
    "",
    "scenario                          publish/s  delivered/s  of raw ceiling",
    `raw ceiling (undici → receiver)           ${f(results.rawCeilingPerSecond)}`,
    ...SCENARIOS.map((name) => {
      const r = results.backends[name];
      return `hooklane ${BACKENDS[name].label.padEnd(24)}${f(r.publishPerSecond)}    ${f(r.deliveredPerSecond)}    ${(r.ratioToCeiling * 100).toFixed(1).padStart(6)}%`;
    }),
    "",
    "publish→first attempt (sqlite)   p50 ms     p99 ms",
    ...results.latency.map(
      (l) =>
        `  ${String(l.rate).padStart(6)} msg/s for ${RATE_SECONDS}s      ${l.p50.toFixed(1).padStart(7)}    ${l.p99.toFixed(1).padStart(7)}`,
    ),
  ];
  console.log(lines.join("\n"));
  mkdirSync(new URL("./results/", import.meta.url), { recursive: true });
  writeFileSync(new URL("./results/latest.json", import.meta.url), JSON.stringify(results, null, 2));
}

await main();
