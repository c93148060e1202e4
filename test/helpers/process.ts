// Runs `hooklane serve` from the built package (dist/) as a child process, as users do.
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";

const BIN = fileURLToPath(new URL("../../bin/hooklane.js", import.meta.url));

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** SIGTERM and wait for exit; resolves to the exit code. */
  stop(): Promise<number | null>;
}

export function spawnHooklane(args: string[], env: Record<string, string>): Promise<ServerProcess> {
  const child = spawn(process.execPath, [BIN, "serve", ...args], {
    env: { PATH: process.env.PATH ?? "", HOOKLANE_PORT: "0", HOOKLANE_LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on("line", (line) => {
      output += line + "\n";
      if (!line.includes("hooklane is running")) return;
      const { url } = JSON.parse(line) as { url: string };
      resolve({
        url,
        child,
        output: () => output,
        stop: async () => {
          child.kill("SIGTERM");
          return exited;
        },
      });
    });
    void exited.then((code) => reject(new Error(`hooklane exited with ${code} before it was ready:\n${output}`)));
  });
}
