// Starts the benchmark's child processes: the receiver and Hooklane servers.
import { fork, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const here = (path) => fileURLToPath(new URL(path, import.meta.url));

export async function startReceiver() {
  const child = fork(here("./receiver.mjs"), [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const { port } = await new Promise((resolve) => child.once("message", resolve));
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    async stats() {
      return (await fetch(`${url}/stats`)).json();
    },
    /** When each webhook-id first arrived (ms since the epoch). */
    async receipts() {
      return (await fetch(`${url}/receipts`)).json();
    },
    async reset() {
      await fetch(`${url}/stats`, { method: "DELETE" });
    },
    stop() {
      child.kill();
    },
  };
}

/** `hooklane serve` as users run it, configured through HOOKLANE_* variables. */
export async function startHooklane(env) {
  // BENCH_PROFILE=<dir>: each Hooklane process writes a V8 CPU profile there when it stops
  // (open it in Chrome DevTools or summarise it with bench/profile-summary.mjs).
  const profile = process.env.BENCH_PROFILE ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
  const child = spawn(process.execPath, [...profile, here("../bin/hooklane.js"), "serve"], {
    env: {
      PATH: process.env.PATH,
      HOOKLANE_PORT: "0",
      // The readiness line below is logged at info.
      HOOKLANE_LOG_LEVEL: "info",
      ...env,
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout });
  const url = await new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`hooklane exited with ${code}`)));
    lines.on("line", (line) => {
      if (line.includes("hooklane is running")) resolve(JSON.parse(line).url);
    });
  });
  return {
    url,
    pid: child.pid,
    stop: () =>
      new Promise((resolve) => {
        child.once("exit", resolve);
        child.kill("SIGTERM");
      }),
  };
}
