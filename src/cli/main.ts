// The `hooklane` command line: parses flags into config keys and runs a subcommand.
import { Command, InvalidArgumentError, Option } from "commander";
import { startHooklane, type Hooklane } from "../app/hooklane.js";
import { ConfigError, loadConfig } from "../config/load.js";
import type { Config, ConfigKey } from "../config/schema.js";
import { HooklaneError } from "../lib/errors.js";
import { createLogger } from "../lib/logger.js";
import { displayDatabaseUrl, migrateDatabase } from "../storage/open.js";

interface CommonFlags {
  config?: string;
  db?: string;
  logLevel?: string;
}

function integer(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError("not an integer");
  return n;
}

function configFrom(flags: CommonFlags, extra: Partial<Record<ConfigKey, unknown>> = {}): Config {
  return loadConfig({ file: flags.config, flags: { databaseUrl: flags.db, logLevel: flags.logLevel, ...extra } });
}

function withCommonFlags(command: Command): Command {
  return command
    .option("-c, --config <file>", "JSON config file (also HOOKLANE_CONFIG)")
    .option("--db <url>", "SQLite file path or postgres:// URL (also HOOKLANE_DATABASE_URL)")
    .option("--log-level <level>", "fatal|error|warn|info|debug|trace|silent");
}

/** Start-up failures in words an operator can act on; the driver's own text is in `cause`. */
function startupFailure(error: unknown, databaseUrl: string): string {
  const cause = error instanceof HooklaneError && error.cause instanceof Error ? `: ${error.cause.message}` : "";
  if (error instanceof HooklaneError && error.kind === "unavailable") {
    return `cannot reach the database ${displayDatabaseUrl(databaseUrl)}${cause}`;
  }
  return error instanceof Error ? error.message : String(error);
}

async function serve(
  flags: CommonFlags & {
    port?: number;
    host?: string;
    role?: string;
    migrate?: boolean;
    redis?: string;
    sendhooksConfig?: string;
    redisPubsub?: string | boolean;
  },
): Promise<void> {
  const config = configFrom(flags, {
    port: flags.port,
    host: flags.host,
    role: flags.role,
    redisUrl: flags.redis,
    sendhooksConfig: flags.sendhooksConfig,
    // `--redis-pubsub` alone subscribes to golang-wehook's default channel.
    redisPubsubChannel: flags.redisPubsub === true ? "payments" : flags.redisPubsub,
    // Commander sets `migrate` to true unless --no-migrate is given; only the flag overrides config.
    migrateOnStart: flags.migrate === false ? false : undefined,
  });
  const logger = createLogger(config.logLevel);
  let hooklane: Hooklane;
  try {
    hooklane = await startHooklane(config, logger);
  } catch (error) {
    logger.fatal({ err: error }, `hooklane cannot start: ${startupFailure(error, config.databaseUrl)}`);
    process.exit(1);
  }
  logger.info(
    { url: hooklane.url, database: displayDatabaseUrl(config.databaseUrl), role: config.role },
    "hooklane is running",
  );
  if (hooklane.generatedAdminToken) {
    // Shown once: only its hash is stored.
    process.stderr.write(
      `\nAdmin token (shown only now, store it safely):\n\n  ${hooklane.generatedAdminToken}\n\n` +
        `Use it as 'Authorization: Bearer <token>', e.g. new Svix(token, { serverUrl: "${hooklane.url}" }),\n` +
        `or set HOOKLANE_ADMIN_TOKEN to choose your own.\n\n`,
    );
  }
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down: finishing in-flight deliveries");
    hooklane.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
}

async function migrate(flags: CommonFlags): Promise<void> {
  const config = configFrom(flags);
  const where = displayDatabaseUrl(config.databaseUrl);
  let applied: number[];
  try {
    applied = await migrateDatabase(config.databaseUrl, createLogger(config.logLevel));
  } catch (error) {
    process.stderr.write(`hooklane: migration failed: ${startupFailure(error, config.databaseUrl)}\n`);
    process.exit(1);
  }
  process.stdout.write(
    applied.length > 0
      ? `database ${where}: applied migrations ${applied.join(", ")}; it is up to date\n`
      : `database ${where} is already up to date\n`,
  );
}

export function buildCli(): Command {
  const program = new Command("hooklane")
    .description("Self-hosted webhook platform: Svix-compatible API, signed and retried deliveries")
    .version("0.1.0");

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
    .action(serve);

  withCommonFlags(program.command("migrate").description("apply database migrations and exit")).action(migrate);

  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildCli().parseAsync(argv);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`hooklane: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
}
