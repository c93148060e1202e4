// The `hooklane` command line: parses flags into config keys and runs a subcommand.
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { ConfigError } from "../config/load.js";
import type { CommonFlags } from "./commands/server.js";
import { registerAppCommands } from "./commands/apps.js";
import { registerAttemptCommands } from "./commands/attempts.js";
import { registerEndpointCommands } from "./commands/endpoints.js";
import { registerEventTypeCommands } from "./commands/eventTypes.js";
import { normalizeHooksArgv, registerHooksCommand } from "./commands/hooks.js";
import { registerListenCommand } from "./commands/listen.js";
import { registerMessageCommands } from "./commands/messages.js";
import { registerSimulateCommand } from "./commands/simulate.js";
import { registerTailCommand } from "./commands/tail.js";
import { registerVerifyCommand } from "./commands/verify.js";
import { CliError, EXIT_USAGE } from "./errors.js";

function integer(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError("not an integer");
  return n;
}

function withCommonFlags(command: Command): Command {
  return command
    .option("-c, --config <file>", "JSON config file (also HOOKLANE_CONFIG)")
    .option("--db <url>", "SQLite file path or postgres:// URL (also HOOKLANE_DATABASE_URL)")
    .option("--log-level <level>", "fatal|error|warn|info|debug|trace|silent")
    .option("--log-format <format>", "json (default) or pretty (also HOOKLANE_LOG_FORMAT)");
}

export function buildCli(): Command {
  const program = new Command("hooklane")
    .description("Self-hosted webhook platform: Svix-compatible API, signed and retried deliveries")
    .version("0.1.0")
    // Usage errors exit 2 (commander's default is 1, which we keep for API errors); inherited
    // by every subcommand added below.
    .exitOverride()
    .showHelpAfterError("(add --help for usage)");

  withCommonFlags(program.command("serve").description("run the API and delivery workers"))
    .addOption(new Option("-p, --port <port>", "HTTP port (also HOOKLANE_PORT)").argParser(integer))
    .option("--host <host>", "interface to listen on (also HOOKLANE_HOST)")
    .addOption(new Option("--role <role>", "what to run").choices(["all", "api", "worker"]))
    .option("--no-migrate", "do not apply database migrations at start (also HOOKLANE_MIGRATE_ON_START=false)")
    .option("--redis <url>", "ingest webhooks from this Redis (Sendhooks stream; also HOOKLANE_REDIS_URL)")
    .option(
      "--sendhooks-config <file>",
      "take Redis settings from a Sendhooks config.json (also HOOKLANE_SENDHOOKS_CONFIG)",
    )
    .option("--redis-pubsub [channel]", "also ingest a Redis pub/sub channel (default: payments)")
    .action(async (flags: Parameters<typeof import("./commands/server.js").serve>[0]) =>
      (await import("./commands/server.js")).serve(flags),
    );

  withCommonFlags(program.command("migrate").description("apply database migrations and exit")).action(
    async (flags: CommonFlags) => (await import("./commands/server.js")).migrate(flags),
  );

  registerAppCommands(program);
  registerEndpointCommands(program);
  registerEventTypeCommands(program);
  registerMessageCommands(program);
  registerAttemptCommands(program);
  registerListenCommand(program);
  registerVerifyCommand(program);
  registerTailCommand(program);
  registerSimulateCommand(program);
  registerHooksCommand(program);

  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildCli().parseAsync(normalizeHooksArgv(argv));
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and --version "exit" with code 0; commander already printed the usage error.
      process.exit(error.exitCode === 0 ? 0 : EXIT_USAGE);
    }
    if (error instanceof ConfigError) {
      process.stderr.write(`hooklane: ${error.message}\n`);
      process.exit(EXIT_USAGE);
    }
    if (error instanceof CliError) {
      process.stderr.write(`hooklane: ${error.message}\n`);
      process.exit(error.exitCode);
    }
    throw error;
  }
}
