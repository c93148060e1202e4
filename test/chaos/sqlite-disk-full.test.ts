// Disk full on SQLite, simulated with a file-size limit (a soft RLIMIT_FSIZE, set on the running
// process with prlimit; SIGXFSZ is ignored so writes fail with EFBIG instead of killing it):
// the API answers 503 for what it cannot store instead of accepting it, stays up, and once
// space is back it accepts again and delivers everything it accepted. Nothing refused is stored.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it, onTestFailed } from "vitest";
import { forEachConcurrently, instanceEnv, startInstance, type Instance } from "../helpers/instances.js";
import { waitFor } from "../helpers/wait.js";
import { startFaultReceiver, type FaultReceiver } from "./faultReceiver.js";
import { peakRssMb, report } from "./report.js";

const dir = mkdtempSync(join(tmpdir(), "hooklane-chaos-full-"));
const dbPath = join(dir, "full.db");
let receiver: FaultReceiver | undefined;
let instance: Instance | undefined;

afterAll(async () => {
  await instance?.kill("SIGKILL");
  await receiver?.close();
  rmSync(dir, { recursive: true, force: true });
});

const fileSize = (path: string): number => {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
};

const setFileSizeLimit = (pid: number, limit: number | "unlimited"): void =>
  void execFileSync("prlimit", ["--pid", String(pid), `--fsize=${limit}:unlimited`]);

it("answers 503 while the disk is full and recovers when space is back", async () => {
  receiver = await startFaultReceiver([]);
  instance = await startInstance({
    name: "disk-full",
    env: instanceEnv(dbPath),
    // `sh` ignores SIGXFSZ and execs node, which inherits the ignored disposition.
    launcher: ["sh", "-c", 'trap "" XFSZ; exec "$0" "$@"'],
  });
  const live = instance;
  const pid = live.child.pid!;
  onTestFailed(() => console.log(live.logs.slice(-60).join("\n")));
  const app = await live.api("POST", "/api/v1/app", { name: "Disk full" });
  await live.api("POST", `/api/v1/app/${app.body.id}/endpoint`, { url: receiver.url });

  const accepted = new Map<number, string>();
  const refused: number[] = [];
  const statuses = new Map<number, number>();
  let next = 0;
  const publishOne = async (): Promise<number> => {
    const i = next++;
    const response = await live.api("POST", `/api/v1/app/${app.body.id}/msg`, {
      eventType: "disk.full",
      eventId: `evt-${i}`,
      payload: { i, filler: "x".repeat(8192) },
    });
    statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
    if (response.status === 202) accepted.set(i, response.body.id);
    else refused.push(i);
    return response.status;
  };

  // Leave about 1 MB of room beyond the biggest file, then publish until the API refuses steadily.
  const limit = Math.max(fileSize(dbPath), fileSize(`${dbPath}-wal`)) + 1024 * 1024;
  setFileSizeLimit(pid, limit);
  let refusedInARow = 0;
  while (refusedInARow < 40 && next < 20000) {
    const results: number[] = [];
    await forEachConcurrently([1, 2, 3, 4], 4, async () => void results.push(await publishOne()));
    refusedInARow = results.every((s) => s !== 202) ? refusedInARow + results.length : 0;
  }
  expect(live.exited).toBe(false);
  expect(refusedInARow).toBeGreaterThanOrEqual(40);
  const whileFull = Object.fromEntries(statuses);

  // Space is back: the API accepts again.
  setFileSizeLimit(pid, "unlimited");
  await waitFor(async () => (await publishOne()) === 202, { timeoutMs: 60000, intervalMs: 200, what: "a 202 again" });
  const faulty = receiver;
  await waitFor(() => [...accepted.values()].every((id) => faulty.delivered.has(id)), {
    timeoutMs: 120000,
    intervalMs: 200,
    what: "every accepted message delivered",
  });
  // What was refused was not stored (its eventId is free).
  const storedRefused: number[] = [];
  for (const i of refused.slice(-100)) {
    const got = await live.api("GET", `/api/v1/app/${app.body.id}/msg/evt-${i}`);
    if (got.status !== 404) storedRefused.push(i);
  }
  const serverErrors = [...statuses].filter(([s]) => s >= 500 && s !== 503).reduce((n, [, c]) => n + c, 0);
  report({
    scenario: "sqlite disk full (RLIMIT_FSIZE) and recovery",
    messages: next,
    lost: [...accepted.values()].filter((id) => !faulty.delivered.has(id)).length,
    duplicated: 0,
    serverErrors,
    maxRssMb: peakRssMb(pid),
    note: `answers while full: ${JSON.stringify(whileFull)}`,
  });
  expect(statuses.get(503) ?? 0).toBeGreaterThan(0);
  expect(serverErrors).toBe(0);
  expect(storedRefused).toEqual([]);
});
