// Process faults on SQLite: SIGKILL the only instance again and again while messages are
// published and delivered, restart it on the same file each time. Nothing accepted is lost;
// duplicates are bounded by the requests in flight at each kill and carry the message's
// webhook-id (a message never arrives under two ids).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it, onTestFailed } from "vitest";
import { instanceEnv, startInstance, type Instance } from "../helpers/instances.js";
import { waitFor } from "../helpers/wait.js";
import { account } from "./duplicates.js";
import { startFaultReceiver, type FaultReceiver } from "./faultReceiver.js";
import { publishAll } from "./publisher.js";
import { peakRssMb, report } from "./report.js";
import { SIZES } from "./sizes.js";

const CONCURRENCY = 32;
const dir = mkdtempSync(join(tmpdir(), "hooklane-chaos-kill-"));
let receiver: FaultReceiver | undefined;
let instance: Instance | undefined;

afterAll(async () => {
  await instance?.kill("SIGKILL");
  await receiver?.close();
  rmSync(dir, { recursive: true, force: true });
});

it(`loses nothing across ${SIZES.kills} SIGKILLs of a SQLite instance`, async () => {
  const total = SIZES.killMessages;
  receiver = await startFaultReceiver([]);
  const env = instanceEnv(join(dir, "kill.db"), {
    HOOKLANE_WORKER_CONCURRENCY: String(CONCURRENCY),
    HOOKLANE_ENDPOINT_CONCURRENCY: String(CONCURRENCY),
  });
  const start = (): Promise<Instance> => startInstance({ name: "sqlite-kill", env });
  instance = await start();
  onTestFailed(() => console.log(instance?.logs.slice(-60).join("\n")));
  const app = await instance.api("POST", "/api/v1/app", { name: "Kill" });
  await instance.api("POST", `/api/v1/app/${app.body.id}/endpoint`, { url: receiver.url });

  const faulty = receiver;
  let maxRssMb = 0;
  const publishing = publishAll(total, () => instance, app.body.id);
  for (let k = 1; k <= SIZES.kills; k++) {
    // Spread the kills over the run: the k-th once k/(kills+1) of the messages have arrived.
    const mark = Math.floor((total * k) / (SIZES.kills + 1));
    await waitFor(() => faulty.delivered.size >= mark, {
      timeoutMs: 300000,
      intervalMs: 50,
      what: `${mark} delivered`,
    });
    const victim = instance!;
    maxRssMb = Math.max(maxRssMb, peakRssMb(victim.child.pid!));
    await victim.kill("SIGKILL");
    instance = await start();
  }
  const published = await publishing;
  await waitFor(() => faulty.delivered.size >= total, { timeoutMs: 300000, intervalMs: 100, what: "all delivered" });
  maxRssMb = Math.max(maxRssMb, peakRssMb(instance.child.pid!));

  const { lost, duplicated, splitIndexes } = account(published.ids, faulty.seen, faulty.delivered);
  report({
    scenario: `sqlite, ${SIZES.kills} × SIGKILL`,
    messages: total,
    lost: lost.length,
    duplicated,
    serverErrors: published.serverErrors,
    maxRssMb,
  });
  expect(lost).toEqual([]);
  expect(splitIndexes).toEqual([]);
  expect(duplicated).toBeLessThanOrEqual(CONCURRENCY * SIZES.kills);
  expect(published.serverErrors).toBe(0);
});
