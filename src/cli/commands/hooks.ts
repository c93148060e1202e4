// `hooklane hooks`: command hooks compatible with adnanh/webhook 2.8, with its single-dash flags
// (`-hooks hooks.json -port 9000 -hotreload`), plus `--check FILE...` to validate hook files.
import { Command, InvalidArgumentError } from "commander";
import { HookFileLoadError, loadHooksFile } from "../../hooks/hookFile.js";
import { ConcurrencyLimiter } from "../../hooks/limiter.js";
import { HookRegistry } from "../../hooks/registry.js";
import { startHooksServer } from "../../hooks/server.js";
import { watchHookFiles } from "../../hooks/watch.js";
import { CliError, EXIT_API, usageError } from "../errors.js";

/** webhook's flags; Go's flag package accepts each with one dash or two, and `-name=value`. */
const WEBHOOK_FLAGS = new Set([
  "hooks",
  "port",
  "ip",
  "urlprefix",
  "hotreload",
  "template",
  "verbose",
  "header",
  "http-methods",
  "nopanic",
  "secure",
  "cert",
  "key",
  "x-request-id",
  "x-request-id-limit",
  "check",
  "help",
]);

/** Rewrites `-port 9000` / `-port=9000` to commander's `--port` for the arguments after `hooks`. */
export function normalizeHooksArgv(argv: string[]): string[] {
  const at = argv.indexOf("hooks", 2);
  if (at === -1) return argv;
  const rest = argv.slice(at + 1).map((arg) => {
    const match = /^-([a-z][a-z-]*)(=.*)?$/.exec(arg);
    return match && WEBHOOK_FLAGS.has(match[1]!) ? `-${arg}` : arg;
  });
  return [...argv.slice(0, at + 1), ...rest];
}

interface HooksFlags {
  hooks: string[];
  port: number;
  ip: string;
  urlprefix: string;
  hotreload?: boolean;
  template?: boolean;
  verbose?: boolean;
  header: { name: string; value: string }[];
  httpMethods?: string;
  nopanic?: boolean;
  secure?: boolean;
  cert: string;
  key: string;
  xRequestId?: boolean;
  xRequestIdLimit: number;
  check?: boolean;
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError("not a port number");
  return n;
}

function header(value: string, previous: HooksFlags["header"]): HooksFlags["header"] {
  const eq = value.indexOf("=");
  if (eq <= 0) throw new InvalidArgumentError("expected name=value");
  return [...previous, { name: value.slice(0, eq), value: value.slice(eq + 1) }];
}

async function check(files: string[], flags: HooksFlags): Promise<void> {
  if (files.length === 0) throw usageError("--check: give one or more hook files");
  let invalid = 0;
  const owners = new Map<string, string>();
  for (const file of files) {
    try {
      const { hooks } = await loadHooksFile(file, {
        template: flags.template ?? false,
        strict: true,
        env: process.env,
      });
      const clash = hooks.find((hook) => owners.has(hook.id));
      if (clash)
        throw new HookFileLoadError(file, `hook id "${clash.id}" is already defined in ${owners.get(clash.id)}`);
      for (const hook of hooks) owners.set(hook.id, file);
      process.stdout.write(`${file}: ok (${hooks.length} hook${hooks.length === 1 ? "" : "s"})\n`);
    } catch (error) {
      if (!(error instanceof HookFileLoadError)) throw error;
      invalid += 1;
      process.stderr.write(`${error.message}\n`);
    }
  }
  if (invalid > 0) throw new CliError(`${invalid} of ${files.length} hook file(s) invalid`, 2);
}

async function serveHooks(flags: HooksFlags): Promise<void> {
  const verbose = flags.verbose ?? false;
  const log = (line: string) => {
    if (verbose) process.stderr.write(`[hooks] ${new Date().toISOString()} ${line}\n`);
  };
  const registry = new HookRegistry({ template: flags.template ?? false, strict: false, env: process.env }, log);
  for (const file of flags.hooks) await registry.load(file);
  if (registry.size === 0 && !verbose && !flags.nopanic) {
    throw new CliError(
      "couldn't load any hooks from file! Use -verbose to see why, or -nopanic to start without hooks",
      EXIT_API,
    );
  }
  const running = await startHooksServer(
    {
      ip: flags.ip,
      port: flags.port,
      urlPrefix: flags.urlprefix,
      tls: flags.secure ? { certFile: flags.cert, keyFile: flags.key } : undefined,
      useXRequestId: flags.xRequestId ?? false,
      xRequestIdLimit: flags.xRequestIdLimit,
    },
    registry,
    {
      httpMethods: (flags.httpMethods ?? "").replace(/ /g, "").toUpperCase().split(",").filter(Boolean),
      responseHeaders: flags.header,
      env: process.env,
      limiter: new ConcurrencyLimiter(),
      log,
    },
  ).catch((error: NodeJS.ErrnoException) => {
    throw usageError(`cannot serve on ${flags.ip}:${flags.port}: ${error.code ?? error.message}`);
  });
  const files = flags.hooks;
  const stopWatching = flags.hotreload ? watchHookFiles(files, registry, log) : () => {};
  // As webhook: SIGUSR1 and SIGHUP reload every hooks file.
  const reloadAll = () => void Promise.all(files.map((file) => registry.load(file)));
  process.on("SIGUSR1", reloadAll);
  process.on("SIGHUP", reloadAll);
  const stop = () => {
    stopWatching();
    void running.close().then(() => process.exit(0));
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

export function registerHooksCommand(program: Command): void {
  program
    .command("hooks")
    .description("serve command hooks from adnanh/webhook hook files (JSON or YAML); webhook's -flags work")
    .argument("[files...]", "hook files to validate (with --check)")
    .option("--hooks <file>", "hooks file (JSON or YAML); repeat for several", (v, p: string[]) => [...p, v], [])
    .option("--port <port>", "port to serve hooks on", port, 9000)
    .option("--ip <ip>", "IP to serve hooks on", "0.0.0.0")
    .option("--urlprefix <prefix>", "URL prefix: hooks are served at /PREFIX/:hook-id", "hooks")
    .option("--hotreload", "reload hook files when they change")
    .option("--template", 'render hook files as templates first ({{ getenv "NAME" }}, {{ cat "FILE" }})')
    .option("--verbose", "log each request and command to stderr")
    .option("--header <name=value>", "response header to return; repeat for several", header, [])
    .option("--http-methods <methods>", "default allowed HTTP methods, comma-separated (e.g. POST)")
    .option("--nopanic", "start even when no hooks could be loaded")
    .option("--secure", "serve HTTPS (with --cert and --key)")
    .option("--cert <file>", "TLS certificate PEM file", "cert.pem")
    .option("--key <file>", "TLS private key PEM file", "key.pem")
    .option("--x-request-id", "use the X-Request-Id header, if present, as request id")
    .option("--x-request-id-limit <n>", "truncate X-Request-Id to this length (0: no limit)", (v) => port(v), 0)
    .option("--check", "validate the given hook files, name each bad key, exit 2 if any is invalid")
    .addHelpText(
      "after",
      "\nExamples:\n  hooklane hooks -hooks hooks.json -port 9000 -hotreload -verbose\n  hooklane hooks --check hooks.json hooks.yaml\n",
    )
    .action(async (files: string[], flags: HooksFlags) => {
      if (flags.check) return check([...files, ...flags.hooks], flags);
      if (files.length > 0) throw usageError(`unexpected argument ${files[0]} (hook files go after -hooks)`);
      if (flags.hooks.length === 0) throw usageError("give at least one -hooks file");
      return serveHooks(flags);
    });
}
