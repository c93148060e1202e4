// The `hooklane` command as users run it: config errors, first-start admin token, shutdown.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, expect, it } from "vitest";
import { Svix } from "svix";
import { spawnHooklane } from "./helpers/process.js";
import { waitFor } from "./helpers/wait.js";

const run = promisify(execFile);
const BIN = fileURLToPath(new URL("../bin/hooklane.js", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "hooklane-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("stops with a message naming the key when config is invalid", async () => {
  const error = await run(process.execPath, [BIN, "serve"], {
    env: { PATH: process.env.PATH, HOOKLANE_PORT: "eighty", HOOKLANE_DATABASE_URL: join(dir, "x.db") },
  }).catch((e: { code: number; stderr: string }) => e);
  expect((error as { code: number }).code).toBe(2);
  expect((error as { stderr: string }).stderr).toContain("invalid configuration: port (env HOOKLANE_PORT)");
});

it("generates an admin token at first start, prints it once and stores only its hash", async () => {
  const db = join(dir, "first.db");
  const first = await spawnHooklane(["--db", db], {});
  // Written to stderr before the ready line on stdout, but the two pipes are read separately.
  const token = await waitFor(() => /Admin token[^\n]*\n\n\s+(hk_admin_\S+)\n/.exec(first.output())?.[1], {
    what: "the admin token on stderr",
  });
  const svix = new Svix(token!, { serverUrl: first.url });
  expect((await svix.application.list()).data).toEqual([]);
  expect(await first.stop()).toBe(0);
  expect(readFileSync(db).includes(Buffer.from(token!))).toBe(false);

  const second = await spawnHooklane(["--db", db], {});
  expect(second.output()).not.toContain("hk_admin_");
  const again = new Svix(token!, { serverUrl: second.url });
  expect((await again.application.list()).data).toEqual([]);
  expect(await second.stop()).toBe(0);
});

it("applies migrations with `hooklane migrate`", async () => {
  const db = join(dir, "migrated.db");
  const { stdout } = await run(process.execPath, [BIN, "migrate", "--db", db], { env: { PATH: process.env.PATH } });
  expect(stdout).toContain("up to date");
});
