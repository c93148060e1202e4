// Starts `hooklane hooks` (built CLI) or real `webhook` on a free loopback port and waits until
// it answers; shared by the command-hook tests.
import { spawn, type ChildProcess } from "node:child_process";
import { request } from "node:https";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { waitFor } from "../helpers/wait.js";

export const HOOKLANE_BIN = fileURLToPath(new URL("../../bin/hooklane.js", import.meta.url));

export interface HooksProcess {
  url: string;
  port: number;
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** `which`: "hooklane" runs bin/hooklane.js hooks …, "webhook" the Debian binary. */
export async function startHooks(
  which: "hooklane" | "webhook",
  args: string[],
  env: Record<string, string> = {},
): Promise<HooksProcess> {
  const port = await freePort();
  const [command, prefix] = which === "hooklane" ? [process.execPath, [HOOKLANE_BIN, "hooks"]] : ["webhook", []];
  const child = spawn(command, [...prefix, ...args, "-ip", "127.0.0.1", "-port", String(port)], {
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const secure = args.includes("-secure");
  const url = `${secure ? "https" : "http"}://127.0.0.1:${port}`;
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`${which} exited early:\n${output}`);
      return (secure ? getInsecure(url) : fetch(url)).then(
        (res) => res.status === 200,
        () => false,
      );
    },
    { timeoutMs: 120_000, what: `${which} to listen` },
  );
  return {
    url,
    port,
    child,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

/** GET over HTTPS accepting the self-signed test certificate. */
export function getInsecure(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { rejectUnauthorized: false, headers }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}
