// Process and database faults on PostgreSQL: three instances share one database; instances are
// SIGKILLed in turn (and restarted) while the others keep publishing and delivering, and every
// backend is terminated with pg_terminate_backend mid-run. Nothing accepted is lost; duplicates
// are bounded by the requests in flight at each fault and carry the message's webhook-id.
import { afterAll, expect, it, onTestFailed } from "vitest";
import { instanceEnv, startInstance, type Instance } from "../helpers/instances.js";
import { createTestDatabase, terminateConnections, type TestDatabase } from "../helpers/postgres.js";
import { waitFor } from "../helpers/wait.js";
import { account } from "./duplicates.js";
import { startFaultReceiver, type FaultReceiver } from "./faultReceiver.js";
import { publishAll } from "./publisher.js";
import { peakRssMb, report } from "./report.js";
import { SIZES } from "./sizes.js";

const INSTANCES = 3;
const CONCURRENCY = 32;
const TERMINATIONS = 2;
let db: TestDatabase | undefined;
let receiver: FaultReceiver | undefined;
const instances: Instance[] = [];

afterAll(async () => {
  await Promise.all(instances.map((i) => i.kill("SIGKILL")));
  await receiver?.close();
  await db?.drop();
});

it(`loses nothing across ${SIZES.kills} SIGKILLs among ${INSTANCES} PostgreSQL instances and terminated backends`, async () => {
  const total = SIZES.killMessages;
  db = await createTestDatabase();
  receiver = await startFaultReceiver([]);
  const env = instanceEnv(db.url, {
    HOOKLANE_WORKER_CONCURRENCY: String(CONCURRENCY),
    HOOKLANE_ENDPOINT_CONCURRENCY: String(CONCURRENCY),
    HOOKLANE_DATABASE_CONNECT_TIMEOUT_MS: "2000",
  });
  const start = (n: number): Promise<Instance> => startInstance({ name: `pg-${n}`, env });
  for (let n = 0; n < INSTANCES; n++) instances.push(await start(n));
  onTestFailed(() => instances.forEach((i) => console.log(`${i.name}:\n${i.logs.slice(-40).join("\n")}`)));
  const app = await instances[0]!.api("POST", "/api/v1/app", { name: "PG kill" });
  await instances[0]!.api("POST", `/api/v1/app/${app.body.id}/endpoint`, { url: receiver.url });

  let turn = 0;
  const anyLive = (): Instance | undefined => {
    const live = instances.filter((i) => !i.exited);
    return live[turn++ % Math.max(1, live.length)];
  };
  const faulty = receiver;
  let maxRssMb = 0;
  // The kills, with a backend termination after the first and the second.
  const plan: ("kill" | "terminate")[] = Array.from({ length: SIZES.kills }, () => "kill");
  for (let t = TERMINATIONS; t >= 1; t--) plan.splice(t, 0, "terminate");
  const faults = plan.length;
  const publishing = publishAll(total, anyLive, app.body.id);
  for (const [k, fault] of plan.entries()) {
    const mark = Math.floor((total * (k + 1)) / (faults + 1));
    await waitFor(() => faulty.delivered.size >= mark, {
      timeoutMs: 300000,
      intervalMs: 50,
      what: `${mark} delivered`,
    });
    if (fault === "terminate") {
      expect(await terminateConnections(db.name)).toBeGreaterThan(0);
      continue;
    }
    const slot = k % INSTANCES;
    const victim = instances[slot]!;
    maxRssMb = Math.max(maxRssMb, peakRssMb(victim.child.pid!));
    await victim.kill("SIGKILL");
    instances[slot] = await start(slot);
  }
  const published = await publishing;
  await waitFor(() => faulty.delivered.size >= total, { timeoutMs: 300000, intervalMs: 100, what: "all delivered" });
  for (const i of instances) maxRssMb = Math.max(maxRssMb, peakRssMb(i.child.pid!));

  const { lost, duplicated, splitIndexes } = account(published.ids, faulty.seen, faulty.delivered);
  report({
    scenario: `postgres ×${INSTANCES}, SIGKILLs + ${TERMINATIONS} backend terminations`,
    messages: total,
    lost: lost.length,
    duplicated,
    serverErrors: published.serverErrors,
    maxRssMb,
    note: `${published.unavailable} × 503 while backends were gone`,
  });
  expect(lost).toEqual([]);
  expect(splitIndexes).toEqual([]);
  expect(duplicated).toBeLessThanOrEqual(CONCURRENCY * faults * INSTANCES);
  expect(published.serverErrors).toBe(0);
});
