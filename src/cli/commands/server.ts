// `hooklane serve` and `hooklane migrate`: the server side of the command, loaded only when
// one of them runs so client commands start without loading fastify and the database drivers.
import { startHooklane, type Hooklane } from "../../app/hooklane.js";
import { loadConfig } from "../../config/load.js";
import type { Config, ConfigKey } from "../../config/schema.js";
import { HooklaneError } from "../../lib/errors.js";
import { createLogger } from "../../lib/logger.js";
import { displayDatabaseUrl, migrateDatabase } from "../../storage/open.js";

export interface CommonFlags {
  config?: string;
  db?: string;
  logLevel?: string;
  logFormat?: string;
}

function configFrom(flags: CommonFlags, extra: Partial<Record<ConfigKey, unknown>> = {}): Config {
  return loadConfig({
    file: flags.config,
    flags: { databaseUrl: flags.db, logLevel: flags.logLevel, logFormat: flags.logFormat, ...extra },
  });
}

/** Start-up failures in words an operator can act on; the driver's own text is in `cause`. */
function startupFailure(error: unknown, databaseUrl: string): string {
  const cause = error instanceof HooklaneError && error.cause instanceof Error ? `: ${error.cause.message}` : "";
  if (error instanceof HooklaneError && error.kind === "unavailable") {
    return `cannot reach the database ${displayDatabaseUrl(databaseUrl)}${cause}`;
  }
  return error instanceof Error ? error.message : String(error);
}

export async function serve(
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
    // Commander sets `migrate` to true unless --no-migrate is given; only the flag overrides config.
    migrateOnStart: flags.migrate === false ? false : undefined,
    redisUrl: flags.redis,
    sendhooksConfig: flags.sendhooksConfig,
    // `--redis-pubsub` alone subscribes to golang-wehook's default channel.
    redisPubsubChannel: flags.redisPubsub === true ? "payments" : flags.redisPubsub,
  });
  const logger = createLogger(config.logLevel, config.logFormat);
  let hooklane: Hooklane;
  try {
    hooklane = await startHooklane(config, logger);
  } catch (error) {
    logger.fatal({ err: error }, `hooklane cannot start: ${startupFailure(error, config.databaseUrl)}`);
    process.exit(1);
  }
  if (hooklane.generatedAdminToken) {
    // Shown once (only its hash is stored), before the ready line that scripts wait for.
    process.stderr.write(
      `\nAdmin token (shown only now, store it safely):\n\n  ${hooklane.generatedAdminToken}\n\n` +
        `Use it as 'Authorization: Bearer <token>', e.g. new Svix(token, { serverUrl: "${hooklane.url}" }),\n` +
        `or set HOOKLANE_ADMIN_TOKEN to choose your own.\n\n`,
    );
  }
  logger.info(
    { url: hooklane.url, database: displayDatabaseUrl(config.databaseUrl), role: config.role },
    "hooklane is running",
  );
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

export async function migrate(flags: CommonFlags): Promise<void> {
  const config = configFrom(flags);
  const where = displayDatabaseUrl(config.databaseUrl);
  let applied: number[];
  try {
    applied = await migrateDatabase(config.databaseUrl, createLogger(config.logLevel, config.logFormat));
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
