// The published package: `npm pack`, then `npm install -g` of the tarball into a temp prefix
// with runtime dependencies only, then `hooklane --help` and `hooklane serve` from there.
// Packs with --ignore-scripts because `npm test` has just built dist/ (users' `npm pack` runs
// the `prepare` build itself). Installs with --ignore-scripts too and copies this checkout's
// compiled better-sqlite3 binding (same pinned version) into the installed tree: compiling it
// again takes 2-3 minutes of both cores, which made timing-sensitive tests running beside this
// one flaky. A real `npm install -g` compiles it (checked by hand, see docs/cli.md).
import { execFile, spawn } from "node:child_process";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, expect, it } from "vitest";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "hooklane-pack-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it(
  "installs from the packed tarball and runs `hooklane --help` and `hooklane serve`",
  { timeout: 240_000 },
  async () => {
    const packed = await run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", dir], { cwd: ROOT });
    const [info] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
    const paths = info!.files.map((f) => f.path);
    expect(paths).toContain("dist/cli/main.js");
    expect(paths).toContain("bin/hooklane.js");
    expect(paths.some((p) => p.startsWith("src/") || p.startsWith("test/"))).toBe(false);

    const prefix = join(dir, "prefix");
    await run(
      "npm",
      [
        "install",
        "-g",
        join(dir, info!.filename),
        "--prefix",
        prefix,
        "--omit=dev",
        "--ignore-scripts",
        "--prefer-offline",
        "--no-audit",
        "--no-fund",
      ],
      { cwd: dir, timeout: 200_000 },
    );
    const binding = join("node_modules", "better-sqlite3", "build", "Release", "better_sqlite3.node");
    cpSync(join(ROOT, binding), join(prefix, "lib", "node_modules", "hooklane", binding));
    const bin = join(prefix, "bin", "hooklane");
    // Only the installed tree: no HOOKLANE_* from the developer, no access to this repository's node_modules.
    const env = { PATH: process.env.PATH ?? "", HOME: dir };
    const help = await run(bin, ["--help"], { env, cwd: dir });
    expect(help.stdout).toContain("listen");
    expect(help.stdout).toContain("serve");

    const child = spawn(bin, ["serve", "--port", "0", "--db", join(dir, "hooklane.db")], {
      env: { ...env, HOOKLANE_ADMIN_TOKEN: "package-test-token-0123456789" },
      cwd: dir,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    let output = "";
    child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).on("line", (line) => {
        output += line + "\n";
        if (line.includes("hooklane is running")) resolve(String(JSON.parse(line).url));
      });
      void exited.then((code) => reject(new Error(`serve exited (${code}):\n${output}`)));
    });
    expect((await fetch(url + "/api/v1/health")).status).toBe(204);
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  },
);
