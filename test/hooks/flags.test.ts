// webhook's operational flags on `hooklane hooks`: -secure (HTTPS), refusing to start without
// hooks unless -nopanic or -verbose, -x-request-id in the log, and bad flag values.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it, vi } from "vitest";
import { runCli } from "../helpers/cli.js";
import { waitFor } from "../helpers/wait.js";
import { getInsecure, startHooks } from "./hooksProcess.js";

// Each case starts a process; on a loaded 2-core machine that alone can take most of a minute.
vi.setConfig({ testTimeout: 180_000 });

const dir = mkdtempSync(join(tmpdir(), "hooks-flags-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const hooksFile = join(dir, "hooks.json");
writeFileSync(hooksFile, JSON.stringify([{ id: "ping", "execute-command": "/bin/true", "response-message": "pong" }]));

it("-secure serves HTTPS with -cert and -key", async () => {
  const cert = join(dir, "cert.pem");
  const key = join(dir, "key.pem");
  execFileSync(
    "openssl",
    ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1"].concat([
      "-days",
      "1",
      "-keyout",
      key,
      "-out",
      cert,
    ]),
    { stdio: "ignore" },
  );
  const server = await startHooks("hooklane", ["-hooks", hooksFile, "-secure", "-cert", cert, "-key", key]);
  try {
    expect(await getInsecure(`${server.url}/hooks/ping`)).toEqual({ status: 200, body: "pong" });
  } finally {
    await server.stop();
  }
});

it("refuses to start when no hook loads, unless -nopanic", async () => {
  const missing = join(dir, "missing.json");
  const refused = await runCli(["hooks", "-hooks", missing, "-port", "0", "-ip", "127.0.0.1"]);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toContain("couldn't load any hooks from file!");

  const server = await startHooks("hooklane", ["-hooks", missing, "-nopanic"]);
  try {
    const res = await fetch(`${server.url}/hooks/ping`, { method: "POST" });
    expect([res.status, await res.text()]).toEqual([404, "Hook not found."]);
  } finally {
    await server.stop();
  }
});

it("-x-request-id puts the caller's id (truncated to the limit) in the verbose log", async () => {
  const server = await startHooks("hooklane", [
    "-hooks",
    hooksFile,
    "-verbose",
    "-x-request-id",
    "-x-request-id-limit",
    "8",
  ]);
  try {
    await fetch(`${server.url}/hooks/ping`, { method: "POST", headers: { "X-Request-Id": "abcdefgh-ijkl" } });
    await waitFor(() => server.output().includes("[abcdefgh] ping hook triggered successfully"), {
      what: "the log line",
    });
  } finally {
    await server.stop();
  }
});

it("names a bad flag value", async () => {
  const result = await runCli(["hooks", "-hooks", hooksFile, "-port", "http"]);
  expect(result.code).toBe(2);
  expect(result.stderr).toContain("not a port number");
  const header = await runCli(["hooks", "-hooks", hooksFile, "-header", "no-equals-sign"]);
  expect(header.code).toBe(2);
  expect(header.stderr).toContain("expected name=value");
});
