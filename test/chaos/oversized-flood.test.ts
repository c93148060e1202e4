// A flood of oversized bodies (declared with content-length, and chunked without one) must be
// refused with 413 without the server's memory growing with the flood: RSS after the second
// half of the flood is not materially above RSS after the first half.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { Pool } from "undici";
import { afterAll, expect, it, onTestFailed } from "vitest";
import {
  forEachConcurrently,
  INSTANCE_ADMIN_TOKEN,
  instanceEnv,
  startInstance,
  type Instance,
} from "../helpers/instances.js";
import { peakRssMb, report, rssMb } from "./report.js";
import { SIZES } from "./sizes.js";

const BODY_LIMIT = 1024 * 1024;
const dir = mkdtempSync(join(tmpdir(), "hooklane-chaos-flood-"));
let instance: Instance | undefined;
let pool: Pool | undefined;

afterAll(async () => {
  await pool?.close();
  await instance?.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

/** 4 MB of JSON-looking bytes, streamed in 64 KB chunks so the client never holds it twice. */
function oversizedStream(): Readable {
  const chunk = Buffer.alloc(64 * 1024, "a");
  let sent = 0;
  return new Readable({
    read() {
      if (sent === 0) this.push('{"eventType":"a.b","payload":{"x":"');
      if (sent >= 64) return void this.push(null);
      sent++;
      this.push(chunk);
    },
  });
}

it(`refuses ${SIZES.oversizedBodies} oversized bodies without growing memory`, async () => {
  instance = await startInstance({ name: "flood", env: instanceEnv(join(dir, "flood.db")) });
  const live = instance;
  onTestFailed(() => console.log(live.logs.slice(-40).join("\n")));
  const app = await live.api("POST", "/api/v1/app", { name: "Flood" });
  pool = new Pool(live.url, { connections: 8 });
  const statuses = new Map<number, number>();
  const send = async (k: number): Promise<void> => {
    const chunked = k % 2 === 1;
    const size = 4 * 1024 * 1024;
    try {
      const response = await pool!.request({
        method: "POST",
        path: `/api/v1/app/${app.body.id}/msg`,
        headers: {
          authorization: `Bearer ${INSTANCE_ADMIN_TOKEN}`,
          "content-type": "application/json",
          ...(chunked ? {} : { "content-length": String(size) }),
        },
        body: chunked ? oversizedStream() : Buffer.alloc(size, "a"),
      });
      await response.body.dump();
      statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
    } catch {
      // The server may close the connection once it has refused the body: that is a refusal too.
      statuses.set(0, (statuses.get(0) ?? 0) + 1);
    }
  };
  const half = Math.floor(SIZES.oversizedBodies / 2);
  const before = rssMb(live.child.pid!);
  await forEachConcurrently(
    Array.from({ length: half }, (_, k) => k),
    8,
    send,
  );
  const afterFirstHalf = rssMb(live.child.pid!);
  await forEachConcurrently(
    Array.from({ length: half }, (_, k) => k),
    8,
    send,
  );
  const afterSecondHalf = rssMb(live.child.pid!);
  const maxRssMb = peakRssMb(live.child.pid!);
  const serverErrors = [...statuses].filter(([s]) => s >= 500).reduce((n, [, c]) => n + c, 0);
  report({
    scenario: `flood of ${4} MB bodies (limit ${BODY_LIMIT / 1024 / 1024} MB)`,
    messages: 2 * half,
    lost: 0,
    duplicated: 0,
    serverErrors,
    maxRssMb,
    note: `RSS MB before ${before.toFixed(0)}, after half ${afterFirstHalf.toFixed(0)}, after all ${afterSecondHalf.toFixed(0)}; answers ${JSON.stringify(Object.fromEntries(statuses))}`,
  });
  expect(serverErrors).toBe(0);
  expect([...statuses.keys()].filter((s) => s !== 413 && s !== 0)).toEqual([]);
  // Bounded: the second half adds no more than a small margin to what the first half reached.
  expect(afterSecondHalf).toBeLessThan(afterFirstHalf + 64);
  expect(maxRssMb).toBeLessThan(before + 256);
  // Nothing was stored and the API still works.
  expect((await live.api("GET", `/api/v1/app/${app.body.id}/msg`)).body.data).toEqual([]);
});
