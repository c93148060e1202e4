// Resolves the Redis adapters' settings from Hooklane config and, when given, a Sendhooks
// config.json (both shapes Sendhooks has shipped: flat, and nested under "redis").
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import type { RedisOptions } from "ioredis";
import { ConfigError } from "../../config/load.js";
import type { Config } from "../../config/schema.js";

export interface RedisSettings {
  /** A redis:// URL, or null when the address comes from the Sendhooks file. */
  url: string | null;
  /** Connection options (host, port, password, db, TLS) that apply on top of `url`. */
  options: RedisOptions;
  stream: string;
  statusStream: string;
  secretHashHeader: string;
  group: string;
  consumer: string;
  claimIdleMs: number;
  deleteAcked: boolean;
  statusDialect: "v0.3" | "v1";
  statusMaxLen: number;
  pubsubChannel: string | null;
  required: boolean;
}

/** What we read from a Sendhooks config.json. */
export interface SendhooksConfig {
  address?: string | undefined;
  password?: string | undefined;
  db?: number | undefined;
  ssl?: boolean | undefined;
  caCert?: string | undefined;
  clientCert?: string | undefined;
  clientKey?: string | undefined;
  streamName?: string | undefined;
  statusStreamName?: string | undefined;
  secretHashHeaderName?: string | undefined;
}

const str = (value: unknown): string | undefined => (typeof value === "string" && value !== "" ? value : undefined);

/** Parses the file's JSON; `redisDb` may be a string or a number, `redisSsl` a string or a boolean. */
export function parseSendhooksConfig(text: string, where: string): SendhooksConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`Sendhooks config ${where} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new ConfigError(`Sendhooks config ${where} must hold a JSON object`);
  }
  const top = raw as Record<string, unknown>;
  // Newer releases nest the Redis keys under "redis"; older ones keep them at the top.
  const nested = typeof top.redis === "object" && top.redis !== null ? (top.redis as Record<string, unknown>) : {};
  const pick = (key: string): unknown => nested[key] ?? top[key];
  const dbRaw = pick("redisDb");
  let db: number | undefined;
  if (dbRaw !== undefined && dbRaw !== null && dbRaw !== "") {
    db = Number(dbRaw);
    if (!Number.isInteger(db) || db < 0)
      throw new ConfigError(`Sendhooks config ${where}: redisDb "${String(dbRaw)}" is not a database number`);
  }
  const sslRaw = pick("redisSsl");
  const ssl = sslRaw === true || (typeof sslRaw === "string" && sslRaw.toLowerCase() === "true");
  return {
    address: str(pick("redisAddress")),
    password: str(pick("redisPassword")),
    db,
    ssl,
    caCert: str(pick("redisCaCert")),
    clientCert: str(pick("redisClientCert")),
    clientKey: str(pick("redisClientKey")),
    streamName: str(pick("redisStreamName")),
    statusStreamName: str(pick("redisStreamStatusName")),
    secretHashHeaderName: str(pick("secretHashHeaderName")),
  };
}

/** null when no Redis adapter is configured. */
export function resolveRedisSettings(config: Config): RedisSettings | null {
  if (!config.redisUrl && !config.sendhooksConfig) return null;
  let file: SendhooksConfig = {};
  if (config.sendhooksConfig) {
    let text: string;
    try {
      text = readFileSync(config.sendhooksConfig, "utf8");
    } catch (error) {
      throw new ConfigError(`cannot read Sendhooks config ${config.sendhooksConfig}: ${(error as Error).message}`);
    }
    file = parseSendhooksConfig(text, config.sendhooksConfig);
  }
  const options: RedisOptions = {};
  if (!config.redisUrl) {
    // Sendhooks' redisAddress is host:port, as go-redis takes it.
    const address = file.address ?? "127.0.0.1:6379";
    const colon = address.lastIndexOf(":");
    options.host = colon > 0 ? address.slice(0, colon).replace(/^\[|\]$/g, "") : address;
    options.port = colon > 0 ? Number(address.slice(colon + 1)) : 6379;
    if (file.password) options.password = file.password;
    if (file.db !== undefined) options.db = file.db;
  }
  if (file.ssl || file.caCert || file.clientCert || file.clientKey || config.redisUrl?.startsWith("rediss:")) {
    options.tls = {
      ca: file.caCert ? readTlsFile(file.caCert) : undefined,
      cert: file.clientCert ? readTlsFile(file.clientCert) : undefined,
      key: file.clientKey ? readTlsFile(file.clientKey) : undefined,
    };
  }
  return {
    url: config.redisUrl ?? null,
    options,
    stream: config.redisStream ?? file.streamName ?? "hooks",
    statusStream: config.redisStatusStream ?? file.statusStreamName ?? "sendhooks-status-updates",
    secretHashHeader: config.redisSecretHashHeader ?? file.secretHashHeaderName ?? "X-Secret-Hash",
    group: config.redisGroup,
    consumer: config.redisConsumer ?? `${hostname()}-${process.pid}`,
    claimIdleMs: config.redisClaimIdleMs,
    deleteAcked: config.redisDeleteAcked,
    statusDialect: config.redisStatusDialect,
    statusMaxLen: config.redisStatusMaxLen,
    pubsubChannel: config.redisPubsubChannel ?? null,
    required: config.redisRequired,
  };
}

function readTlsFile(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new ConfigError(`cannot read Redis TLS file ${path}: ${(error as Error).message}`);
  }
}
