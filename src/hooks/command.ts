// Runs a hook's command the way webhook does: no shell, argv[0] as written in the hook, the
// extracted arguments, the parent environment plus the hook's variables, temp files for
// pass-file-to-command (removed afterwards), stdout and stderr combined. Adds an optional
// timeout (SIGTERM, then SIGKILL) that webhook lacks.
import { spawn } from "node:child_process";
import { randomInt } from "node:crypto";
import { constants } from "node:fs";
import { access, open, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, isAbsolute, join } from "node:path";

export interface CommandFile {
  envName: string;
  data: Buffer;
}

export interface CommandSpec {
  command: string;
  workingDirectory: string;
  args: string[];
  env: string[];
  files: CommandFile[];
  timeoutSeconds?: number;
}

export interface CommandResult {
  output: string;
  /** Undefined on exit code 0. */
  failure?: { message: string; exitCode?: number; timedOut?: boolean };
}

const KILL_GRACE_MS = 5000;

async function isExecutableFile(path: string): Promise<boolean> {
  try {
    const info = await stat(path);
    if (!info.isFile()) return false;
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Go's exec.LookPath as webhook 2.8 calls it: with a working directory, a relative command is
 * looked up inside that directory only (so `command-working-directory` plus a bare `echo` does
 * not search PATH there, as in webhook).
 */
export async function lookPath(
  command: string,
  workingDirectory: string,
  path = process.env.PATH ?? "",
): Promise<string> {
  const target = isAbsolute(command) || workingDirectory === "" ? command : join(workingDirectory, command);
  if (target.includes("/")) {
    if (await isExecutableFile(target)) return target;
    throw new Error(`exec: "${target}": stat ${target}: no such file or directory`);
  }
  if (target !== "") {
    for (const dir of path.split(delimiter)) {
      const candidate = join(dir === "" ? "." : dir, target);
      if (await isExecutableFile(candidate)) return candidate;
    }
  }
  throw new Error(`exec: "${target}": executable file not found in $PATH`);
}

/** ioutil.TempFile(dir, envName): `dir/ENVNAME<random digits>`, mode 0600, created exclusively. */
async function writeTempFile(dir: string, file: CommandFile): Promise<string> {
  for (;;) {
    const path = join(dir === "" ? tmpdir() : dir, `${file.envName}${randomInt(2 ** 32 - 1)}`);
    try {
      const handle = await open(path, "wx", 0o600);
      await handle.writeFile(file.data);
      await handle.close();
      return path;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
  }
}

function envRecord(base: NodeJS.ProcessEnv, extra: string[]): NodeJS.ProcessEnv {
  const env = { ...base };
  // Later entries win, as Go's exec deduplicates cmd.Env keeping the last value.
  for (const entry of extra) {
    const eq = entry.indexOf("=");
    env[eq === -1 ? entry : entry.slice(0, eq)] = eq === -1 ? "" : entry.slice(eq + 1);
  }
  return env;
}

function execute(path: string, spec: CommandSpec, env: NodeJS.ProcessEnv): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = spawn(path, spec.args.slice(1), {
      argv0: spec.args[0],
      cwd: spec.workingDirectory === "" ? undefined : spec.workingDirectory,
      env,
      stdio: ["ignore", "pipe", "pipe"],
      shell: false,
    });
    const chunks: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => chunks.push(chunk));
    let timedOut = false;
    let killTimer: NodeJS.Timeout | undefined;
    const timer =
      spec.timeoutSeconds === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            child.kill("SIGTERM");
            killTimer = setTimeout(() => child.kill("SIGKILL"), KILL_GRACE_MS);
          }, spec.timeoutSeconds * 1000);
    child.on("error", (error) => {
      clearTimeout(timer);
      resolve({ output: "", failure: { message: error.message } });
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      clearTimeout(killTimer);
      const output = Buffer.concat(chunks).toString("utf8");
      if (timedOut)
        resolve({ output, failure: { message: `timed out after ${spec.timeoutSeconds} s`, timedOut: true } });
      else if (signal) resolve({ output, failure: { message: `signal: ${signal}` } });
      else if (code !== 0)
        resolve({ output, failure: { message: `exit status ${code}`, exitCode: code ?? undefined } });
      else resolve({ output });
    });
  });
}

export async function runCommand(
  spec: CommandSpec,
  baseEnv: NodeJS.ProcessEnv,
  log: (line: string) => void,
): Promise<CommandResult> {
  let path: string;
  try {
    path = await lookPath(spec.command, spec.workingDirectory, baseEnv.PATH);
  } catch (error) {
    return { output: "", failure: { message: (error as Error).message } };
  }
  const written: string[] = [];
  const env = [...spec.env];
  try {
    for (const file of spec.files) {
      try {
        const tempPath = await writeTempFile(spec.workingDirectory, file);
        written.push(tempPath);
        env.push(`${file.envName}=${tempPath}`);
      } catch (error) {
        log(`error creating temp file [${(error as Error).message}]`);
      }
    }
    return await execute(path, spec, envRecord(baseEnv, env));
  } finally {
    await Promise.all(written.map((file) => rm(file, { force: true })));
  }
}
