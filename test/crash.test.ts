// Crash safety: SIGKILL a server mid-delivery, start it again on the same database, and every
// accepted message still reaches the receiver. Duplicates are allowed only for requests that
// were in flight at the kill, and they carry the same webhook-id.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { Svix } from "svix";
import { startReceiver, type Receiver } from "./helpers/receiver.js";
import { spawnHooklane, type ServerProcess } from "./helpers/process.js";
import { waitFor } from "./helpers/wait.js";

const TOKEN = "crash-test-admin-token-0123456789";
const CONCURRENCY = 16;
let receiver: Receiver;
let dir: string;
let server: ServerProcess | undefined;

beforeAll(async () => {
  receiver = await startReceiver();
  dir = mkdtempSync(join(tmpdir(), "hooklane-crash-"));
});

afterAll(async () => {
  await server?.stop();
  await receiver.close();
  rmSync(dir, { recursive: true, force: true });
});

it("delivers every accepted message after a SIGKILL mid-delivery", async () => {
  const env = {
    HOOKLANE_ADMIN_TOKEN: TOKEN,
    HOOKLANE_DATABASE_URL: join(dir, "crash.db"),
    HOOKLANE_ALLOWED_SUBNETS: "127.0.0.0/8",
    HOOKLANE_WORKER_CONCURRENCY: String(CONCURRENCY),
    HOOKLANE_ENDPOINT_CONCURRENCY: String(CONCURRENCY),
    // Short leases so the restarted process reclaims the dead one's work within seconds, but a
    // timeout well above the receiver's 100 ms: on a loaded machine a 1 s timeout fired while
    // the receiver had the request, and the retry was a duplicate that the kill did not cause.
    HOOKLANE_REQUEST_TIMEOUT_MS: "3000",
    HOOKLANE_LEASE_MARGIN_MS: "1000",
    HOOKLANE_RETRY_SCHEDULE: "0.2,0.2,0.2,0.2,0.2",
  };
  // Slow enough that the kill lands while most messages are still queued or in flight.
  receiver.on("/crash", () => ({ status: 200, delayMs: 100 }));
  server = await spawnHooklane([], env);
  const svix = new Svix(TOKEN, { serverUrl: server.url });
  const app = await svix.application.create({ name: "Crash" });
  await svix.endpoint.create(app.id, { url: receiver.url("/crash") });

  const published: string[] = [];
  const TOTAL = 400;
  // Publish in parallel so all are accepted well before the slow receiver has seen them all.
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < TOTAL) {
        const i = next++;
        published.push((await svix.message.create(app.id, { eventType: "crash.test", payload: { i } })).id);
      }
    }),
  );
  await waitFor(() => receiver.forPath("/crash").length >= 50, { what: "deliveries to start" });
  server.child.kill("SIGKILL");
  await new Promise((resolve) => server!.child.once("exit", resolve));
  const receivedBeforeKill = receiver.forPath("/crash").length;
  const killedAt = Date.now();
  expect(receivedBeforeKill).toBeLessThan(TOTAL); // the kill really happened mid-run

  server = await spawnHooklane([], env);
  await waitFor(() => new Set(receiver.forPath("/crash").map((r) => r.headers["webhook-id"])).size === TOTAL, {
    what: "every message to arrive after the restart",
    timeoutMs: 45000,
  });

  const received = receiver.forPath("/crash");
  expect(new Set(received.map((r) => r.headers["webhook-id"]))).toEqual(new Set(published));
  const firstSeen = new Map<string, number>();
  const duplicates: string[] = [];
  for (const r of received) {
    const id = r.headers["webhook-id"]!;
    if (firstSeen.has(id)) duplicates.push(id);
    else firstSeen.set(id, r.receivedAt);
  }
  // A duplicate is a request that reached the receiver before the kill whose result the dead
  // process never recorded: at most one per slot in flight.
  expect(duplicates.length).toBeLessThanOrEqual(CONCURRENCY);
  for (const id of duplicates) expect(firstSeen.get(id)!).toBeLessThanOrEqual(killedAt);
});
