// Hooklane as real child processes (`node bin/hooklane.js serve`), for tests that need several
// instances on one database or must SIGKILL one. Config goes in through HOOKLANE_* env vars;
// the port is 0 and the URL is read from the "hooklane is running" log line.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../../bin/hooklane.js", import.meta.url));
const DIST = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));

export const INSTANCE_ADMIN_TOKEN = "test-admin-token-instances-0123456789";

export interface Instance {
  readonly name: string;
  readonly url: string;
  readonly child: ChildProcess;
  /** Every stdout/stderr line so far, for diagnostics and log assertions. */
  readonly logs: string[];
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  /** Sends the signal and resolves when the process has exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  readonly exited: boolean;
}

export interface InstanceOptions {
  name: string;
  env: Record<string, string>;
  args?: string[];
  /** A command that runs node for us, e.g. `prlimit --fsize=…`; its last word must exec node. */
  launcher?: string[];
  startTimeoutMs?: number;
}

/** Env for the child: ours without any HOOKLANE_* (so the developer's settings don't leak in), plus `env`. */
function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("HOOKLANE_")));
  return { ...base, HOOKLANE_ADMIN_TOKEN: INSTANCE_ADMIN_TOKEN, HOOKLANE_LOG_LEVEL: "info", ...env };
}

export async function startInstance({
  name,
  env,
  args = [],
  launcher = [],
  startTimeoutMs = 60000,
}: InstanceOptions): Promise<Instance> {
  if (!existsSync(DIST)) throw new Error("dist/ is missing: run `npm run build` first (npm test does)");
  const [command, ...commandArgs] = [...launcher, process.execPath, BIN, "serve", "--port", "0", ...args];
  const child = spawn(command!, commandArgs, {
    env: childEnv(env),
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: string[] = [];
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once("exit", () => ((exited = true), resolve())));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      // A child that never became ready must not outlive the test that started it.
      child.kill("SIGKILL");
      reject(new Error(`${name} did not start in time:\n${logs.join("\n")}`));
    }, startTimeoutMs);
    const onLine = (line: string): void => {
      logs.push(line);
      if (!line.includes("hooklane is running")) return;
      try {
        clearTimeout(timer);
        resolve(String(JSON.parse(line).url));
      } catch (error) {
        reject(error as Error);
      }
    };
    createInterface({ input: child.stdout! }).on("line", onLine);
    createInterface({ input: child.stderr! }).on("line", (line) => logs.push(line));
    void exit.then(() => {
      clearTimeout(timer);
      reject(new Error(`${name} exited during start (code ${child.exitCode}):\n${logs.join("\n")}`));
    });
  });
  return {
    name,
    url,
    child,
    logs,
    get exited() {
      return exited;
    },
    async api(method, path, body) {
      const response = await fetch(url + path, {
        method,
        headers: {
          authorization: `Bearer ${INSTANCE_ADMIN_TOKEN}`,
          ...(body !== undefined ? { "content-type": "application/json" } : {}),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : null };
    },
    async kill(signal: NodeJS.Signals = "SIGTERM") {
      if (exited) return;
      child.kill(signal);
      await exit;
    },
  };
}

/** Env shared by the instances of one test: one database, loopback allowed, short leases. */
export function instanceEnv(databaseUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    HOOKLANE_DATABASE_URL: databaseUrl,
    HOOKLANE_ALLOWED_SUBNETS: "127.0.0.0/8",
    // Lease = 2 × timeout + margin = 5 s: a killed instance's work is reclaimed within seconds.
    HOOKLANE_REQUEST_TIMEOUT_MS: "2000",
    HOOKLANE_LEASE_MARGIN_MS: "1000",
    HOOKLANE_POLL_INTERVAL_MS: "200",
    HOOKLANE_RETRY_SCHEDULE: "0.2,0.5,1,1,1",
    HOOKLANE_RETRY_JITTER: "0",
    HOOKLANE_DATABASE_POOL_SIZE: "4",
    HOOKLANE_SHUTDOWN_TIMEOUT_MS: "2000",
    ...extra,
  };
}

/** Runs `work` over `items` with at most `concurrency` at a time. */
export async function forEachConcurrently<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) await work(items[next++]!);
  });
  await Promise.all(lanes);
}
