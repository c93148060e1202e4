// The stream adapter's durability with Hooklane as users run it (a child process): a backlog
// produced while Hooklane is stopped is delivered once it starts, and a SIGKILL mid-stream
// loses nothing (duplicates allowed: at-least-once).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { redisFixture, REDIS_URL, type RedisFixture } from "./helpers/redis.js";
import { spawnHooklane, type ServerProcess } from "./helpers/process.js";
import { startReceiver, type Receiver } from "./helpers/receiver.js";
import { waitFor } from "./helpers/wait.js";

const TOTAL = 2000;
let receiver: Receiver;
let fx: RedisFixture;
let dir: string;
let servers: ServerProcess[] = [];

beforeEach(async () => {
  receiver = await startReceiver();
  fx = await redisFixture();
  dir = mkdtempSync(join(tmpdir(), "hooklane-redis-crash-"));
});

afterEach(async () => {
  for (const server of servers)
    if (server.child.exitCode === null && server.child.signalCode === null) await server.stop();
  servers = [];
  await receiver.close();
  await fx.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

/** As a Sendhooks user switches: `serve --redis <url>` with the stream names as keys. */
function redisFlags(): string[] {
  return ["--redis", REDIS_URL];
}

function env(): Record<string, string> {
  return {
    HOOKLANE_ADMIN_TOKEN: "redis-crash-admin-token-0123456789",
    HOOKLANE_DATABASE_URL: join(dir, "redis.db"),
    HOOKLANE_ALLOWED_SUBNETS: "127.0.0.0/8",
    HOOKLANE_REDIS_GROUP: fx.names.group,
    // Each process gets its default consumer name (hostname-pid): a restarted one must take
    // over the dead one's pending entries with XAUTOCLAIM.
    HOOKLANE_REDIS_CLAIM_IDLE_MS: "1000",
    // Short leases so deliveries the dead process had claimed fall due again within seconds.
    HOOKLANE_REQUEST_TIMEOUT_MS: "1000",
    HOOKLANE_LEASE_MARGIN_MS: "1000",
    HOOKLANE_RETRY_SCHEDULE: "0.2,0.2,0.2,0.2,0.2",
  };
}

async function produce(from: number, to: number): Promise<void> {
  const url = receiver.url("/backlog");
  for (let start = from; start < to; start += 200) {
    const pipeline = fx.redis.pipeline();
    for (let i = start; i < Math.min(to, start + 200); i++) {
      pipeline.xadd(fx.names.stream, "*", "data", JSON.stringify({ url, webhookId: `wh-${i}`, data: { i } }));
    }
    await pipeline.exec();
  }
}

const deliveredIndexes = (): Set<number> =>
  new Set(receiver.forPath("/backlog").map((r) => (JSON.parse(r.body) as { i: number }).i));

it("delivers 2,000 entries produced while Hooklane was stopped", async () => {
  await produce(0, TOTAL);
  servers.push(
    await spawnHooklane(redisFlags(), {
      ...env(),
      HOOKLANE_REDIS_STREAM: fx.names.stream,
      HOOKLANE_REDIS_STATUS_STREAM: fx.names.status,
    }),
  );
  await waitFor(() => deliveredIndexes().size === TOTAL, { timeoutMs: 60000, intervalMs: 100, what: "all entries" });
  // Every entry acknowledged and deleted.
  await waitFor(async () => (await fx.redis.xlen(fx.names.stream)) === 0, { what: "an empty input stream" });
}, 120_000);

it("loses no entry when Hooklane is SIGKILLed mid-stream and restarted", async () => {
  // Slow enough that the kill lands with entries read, stored, in flight and still unread.
  receiver.on("/backlog", () => ({ status: 200, delayMs: 20 }));
  await fx.redis.xgroup("CREATE", fx.names.stream, fx.names.group, "0", "MKSTREAM");
  await produce(0, TOTAL);
  // A consumer that read 100 entries and died before acknowledging them: they sit in the
  // group's pending list until someone takes them over.
  await fx.redis.xreadgroup("GROUP", fx.names.group, "ghost", "COUNT", 100, "STREAMS", fx.names.stream, ">");
  // The flat config.json shape of older Sendhooks releases, passed with --sendhooks-config.
  const configFile = join(dir, "config.json");
  writeFileSync(
    configFile,
    JSON.stringify({
      redisAddress: "127.0.0.1:6379",
      redisPassword: "",
      redisDb: 0,
      redisSsl: false,
      redisStreamName: fx.names.stream,
      redisStreamStatusName: fx.names.status,
    }),
  );
  const flags = ["--sendhooks-config", configFile];
  const first = await spawnHooklane(flags, env());
  servers.push(first);
  await waitFor(() => deliveredIndexes().size >= 300, { timeoutMs: 60000, intervalMs: 20, what: "a first part" });
  first.child.kill("SIGKILL");
  await new Promise((resolve) => first.child.once("exit", resolve));
  const seenAtKill = deliveredIndexes().size;
  expect(seenAtKill).toBeLessThan(TOTAL);

  servers.push(await spawnHooklane(flags, env()));
  await waitFor(() => deliveredIndexes().size === TOTAL, {
    timeoutMs: 90000,
    intervalMs: 100,
    what: "every entry after the restart",
  });
  await waitFor(async () => (await fx.redis.xlen(fx.names.stream)) === 0, {
    timeoutMs: 20000,
    what: "an empty input stream",
  });
  const pending = (await fx.redis.xpending(fx.names.stream, fx.names.group)) as [number];
  expect(pending[0]).toBe(0);
  // The ghost's entries were delivered too (they are among the 2,000 above).
  expect([...Array(100).keys()].every((i) => deliveredIndexes().has(i))).toBe(true);
}, 150_000);
