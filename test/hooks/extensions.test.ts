// Hooklane's additions to webhook's hook format: per-hook concurrency limit, command timeout,
// exit code → HTTP status, and secrets read from the environment (secret-env).
import { createHmac } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHooks, type HooksProcess } from "./hooksProcess.js";

const dir = mkdtempSync(join(tmpdir(), "hooks-ext-"));
let server: HooksProcess;

/** A shell snippet run without a shell of ours: /bin/sh is the command, the script its argument. */
const sh = (script: string) => ({
  "execute-command": "/bin/sh",
  "include-command-output-in-response": true,
  "include-command-output-in-response-on-error": true,
  "pass-arguments-to-command": [
    { source: "string", name: "-c" },
    { source: "string", name: script },
  ],
});

beforeAll(async () => {
  const hooks = [
    // mkdir is atomic: a second copy running at the same time fails and reports the overlap.
    {
      id: "serial",
      "max-concurrency": 1,
      ...sh(`mkdir "${dir}/lock" || { echo overlap; exit 9; }; sleep 0.3; rmdir "${dir}/lock"; echo done`),
    },
    {
      id: "slow",
      "command-timeout-seconds": 1,
      "exit-code-http-status": { "*": 504 },
      ...sh("echo started; exec sleep 60"),
    },
    { id: "mapped", "exit-code-http-status": { "3": 409, "*": 503 }, ...sh('echo "conflict"; exit 3') },
    { id: "mapped-other", "exit-code-http-status": { "3": 409, "*": 503 }, ...sh("exit 4") },
    {
      id: "signed",
      "execute-command": "/bin/true",
      "response-message": "verified",
      "trigger-rule": {
        match: {
          type: "payload-hmac-sha256",
          "secret-env": "HOOK_SECRET",
          parameter: { source: "header", name: "X-Sig" },
        },
      },
    },
  ];
  const file = join(dir, "hooks.json");
  writeFileSync(file, JSON.stringify(hooks));
  server = await startHooks("hooklane", ["-hooks", file], { HOOK_SECRET: "from-the-environment" });
}, 180_000);

afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const post = async (id: string, init: RequestInit = {}) => {
  const res = await fetch(`${server.url}/hooks/${id}`, { method: "POST", ...init });
  return { status: res.status, body: await res.text() };
};

describe("hook extensions", () => {
  it("max-concurrency runs one command at a time", async () => {
    const answers = await Promise.all([1, 2, 3, 4].map(() => post("serial")));
    expect(answers).toEqual(Array(4).fill({ status: 200, body: "done\n" }));
  });

  it("command-timeout-seconds kills the command; the status comes from exit-code-http-status", async () => {
    expect(await post("slow")).toEqual({ status: 504, body: "started\n" });
  });

  it("exit-code-http-status maps a known exit code and falls back to *", async () => {
    expect(await post("mapped")).toEqual({ status: 409, body: "conflict\n" });
    expect(await post("mapped-other")).toEqual({ status: 503, body: "" });
  });

  it("secret-env reads the HMAC secret from the environment", async () => {
    const body = '{"ok":true}';
    const good = createHmac("sha256", "from-the-environment").update(body).digest("hex");
    expect(await post("signed", { body, headers: { "X-Sig": `sha256=${good}` } })).toEqual({
      status: 200,
      body: "verified",
    });
    expect((await post("signed", { body, headers: { "X-Sig": "sha256=00" } })).status).toBe(500);
  });
});
