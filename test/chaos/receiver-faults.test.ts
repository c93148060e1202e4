// Receiver faults mixed at random (30% 500, 10% timeouts, 5% resets, 5% slow 2 s, 2% 429 with
// Retry-After): every message is delivered in the end, none is lost, and the attempts Hooklane
// stored are exactly the requests the receiver saw.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, expect, it, onTestFailed } from "vitest";
import { instanceEnv, startInstance, type Instance } from "../helpers/instances.js";
import { waitFor } from "../helpers/wait.js";
import { startFaultReceiver, type FaultReceiver } from "./faultReceiver.js";
import { publishAll } from "./publisher.js";
import { peakRssMb, report } from "./report.js";
import { SIZES } from "./sizes.js";

const dir = mkdtempSync(join(tmpdir(), "hooklane-chaos-receiver-"));
let receiver: FaultReceiver | undefined;
let instance: Instance | undefined;

afterAll(async () => {
  await instance?.kill("SIGKILL");
  await receiver?.close();
  rmSync(dir, { recursive: true, force: true });
});

it("delivers every message through a receiver that fails at random", async () => {
  const total = SIZES.receiverFaultMessages;
  receiver = await startFaultReceiver();
  const dbPath = join(dir, "chaos.db");
  instance = await startInstance({
    name: "receiver-faults",
    env: instanceEnv(dbPath, {
      // Above the 2 s slow answers, so those succeed and only the silent 10% time out.
      HOOKLANE_REQUEST_TIMEOUT_MS: "3000",
      // 47% of attempts fail: 24 attempts make a message that never gets through (0.47^24)
      // vanishingly unlikely, and short delays keep the run to minutes.
      HOOKLANE_RETRY_SCHEDULE: Array.from({ length: 23 }, () => "0.2").join(","),
      HOOKLANE_RETRY_AFTER_MAX_SECONDS: "1",
      HOOKLANE_WORKER_CONCURRENCY: "128",
      HOOKLANE_ENDPOINT_CONCURRENCY: "128",
      // The breaker stays on, but 45 % of answers fail, just under its 50 % threshold, so a
      // window now and then crosses it. With the default 30 s cooldown doubling to 10 min after
      // each failed probe, a run could spend its whole timeout waiting (CI runs took 158–632 s);
      // short cooldowns keep it testing faults rather than waiting.
      HOOKLANE_CIRCUIT_COOLDOWN_SECONDS: "1",
      HOOKLANE_CIRCUIT_MAX_COOLDOWN_SECONDS: "4",
    }),
  });
  const live = instance;
  onTestFailed(() => console.log(live.logs.slice(-60).join("\n")));
  const app = await live.api("POST", "/api/v1/app", { name: "Receiver faults" });
  await live.api("POST", `/api/v1/app/${app.body.id}/endpoint`, { url: receiver.url });

  const published = await publishAll(total, () => live, app.body.id);
  const ids = new Set(published.ids.values());
  expect(ids.size).toBe(total);
  const faulty = receiver;
  await waitFor(() => faulty.delivered.size >= total, {
    timeoutMs: 600000,
    intervalMs: 250,
    what: `all ${total} messages delivered`,
  });
  const maxRssMb = peakRssMb(live.child.pid!);
  await live.kill("SIGTERM");

  // Stored attempts per message against the requests the receiver saw per webhook-id.
  const db = new Database(dbPath, { readonly: true });
  const stored = new Map(
    (
      db.prepare("SELECT message_id AS id, count(*) AS n FROM attempts GROUP BY message_id").all() as {
        id: string;
        n: number;
      }[]
    ).map((row) => [row.id, row.n]),
  );
  const undelivered = (db.prepare("SELECT count(*) AS n FROM deliveries WHERE status <> 0").get() as { n: number }).n;
  db.close();
  const seen = new Map<string, number>();
  for (const s of faulty.seen) seen.set(s.webhookId, (seen.get(s.webhookId) ?? 0) + 1);

  const lost = [...ids].filter((id) => !faulty.delivered.has(id));
  const mismatched = [...ids].filter((id) => stored.get(id) !== seen.get(id));
  report({
    scenario: "receiver faults (sqlite)",
    messages: total,
    lost: lost.length,
    duplicated: 0,
    serverErrors: published.serverErrors,
    maxRssMb,
    note: `${faulty.seen.length} attempts seen, ${mismatched.length} with stored ≠ seen`,
  });
  expect(lost).toEqual([]);
  expect(undelivered).toBe(0);
  expect(new Set(seen.keys())).toEqual(ids);
  expect(mismatched.map((id) => ({ id, stored: stored.get(id), seen: seen.get(id) }))).toEqual([]);
  expect(published.serverErrors).toBe(0);
  // Each fault kind really occurred, so the run exercised the whole mix.
  expect(new Set(faulty.seen.map((s) => s.fault))).toEqual(new Set(["500", "timeout", "reset", "slow", "429", "ok"]));
});
