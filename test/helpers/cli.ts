// Runs the built `hooklane` command as a child process, as users do, against a test server.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../../bin/hooklane.js", import.meta.url));
const DIST = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Env without the developer's HOOKLANE_* settings, plus `env`. */
function cliEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("HOOKLANE_")));
  return { ...base, ...env };
}

export function runCli(args: string[], env: Record<string, string> = {}, input?: string): Promise<CliResult> {
  if (!existsSync(DIST)) throw new Error("dist/ is missing: run `npm run build` first (npm test does)");
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [BIN, ...args], { env: cliEnv(env) }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    if (input !== undefined) child.stdin!.end(input);
    else child.stdin!.end();
  });
}

export interface CliProcess {
  child: ChildProcess;
  /** stdout lines so far. */
  lines: string[];
  stderr(): string;
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

/** A long-running command (listen, tail); resolves once `ready` matches a stderr or stdout line. */
export async function spawnCli(
  args: string[],
  env: Record<string, string> = {},
  ready?: RegExp,
): Promise<CliProcess & { match: RegExpMatchArray | null }> {
  const child = spawn(process.execPath, [BIN, ...args], { env: cliEnv(env), stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  let stderr = "";
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  let onReady: ((m: RegExpMatchArray) => void) | undefined;
  createInterface({ input: child.stdout! }).on("line", (line) => {
    lines.push(line);
    const m = ready && line.match(ready);
    if (m) onReady?.(m);
  });
  createInterface({ input: child.stderr! }).on("line", (line) => {
    stderr += line + "\n";
    const m = ready && line.match(ready);
    if (m) onReady?.(m);
  });
  const match = ready
    ? await new Promise<RegExpMatchArray>((resolve, reject) => {
        onReady = resolve;
        void exited.then((code) => reject(new Error(`hooklane ${args[0]} exited (${code}) before ready:\n${stderr}`)));
      })
    : null;
  return {
    child,
    lines,
    match,
    stderr: () => stderr,
    exited,
    stop: async () => {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}
