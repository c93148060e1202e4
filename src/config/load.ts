// Builds the effective configuration: schema defaults < config file < HOOKLANE_* env (and a
// few standard variables, just below theirs) < CLI flags. This is the one module that reads
// the environment. A bad value stops start-up with a message naming the key and where the
// value came from.
import { readFileSync } from "node:fs";
import { Value } from "typebox/value";
import type { TSchema } from "typebox";
import { ConfigSchema, type Config, type ConfigKey } from "./schema.js";

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

export interface ConfigSources {
  /** Path of a JSON config file; also taken from HOOKLANE_CONFIG. */
  file?: string | undefined;
  env?: NodeJS.ProcessEnv;
  /** Values from CLI flags, already keyed by config key. */
  flags?: Partial<Record<ConfigKey, unknown>>;
}

const KEYS = Object.keys(ConfigSchema.properties) as ConfigKey[];

/** Standard variables of other tools that set a key too, below its HOOKLANE_* variable. */
const STANDARD_ENV: Partial<Record<ConfigKey, string>> = { otlpEndpoint: "OTEL_EXPORTER_OTLP_ENDPOINT" };

/** `retrySchedule` → `HOOKLANE_RETRY_SCHEDULE`. */
export function envName(key: ConfigKey): string {
  return "HOOKLANE_" + key.replace(/[A-Z]/g, (c) => "_" + c).toUpperCase();
}

export function loadConfig(sources: ConfigSources = {}): Config {
  const env = sources.env ?? process.env;
  const origin = new Map<ConfigKey, string>();
  const merged: Record<string, unknown> = {};

  const filePath = sources.file ?? env.HOOKLANE_CONFIG;
  if (filePath) {
    for (const [key, value] of Object.entries(readConfigFile(filePath))) {
      if (!KEYS.includes(key as ConfigKey)) {
        throw new ConfigError(`config file ${filePath}: unknown key "${key}" (known keys: ${KEYS.join(", ")})`);
      }
      merged[key] = value;
      origin.set(key as ConfigKey, `config file ${filePath}`);
    }
  }

  for (const key of KEYS) {
    for (const name of [STANDARD_ENV[key], envName(key)]) {
      const raw = name === undefined ? undefined : env[name];
      if (raw === undefined || raw === "") continue;
      merged[key] = parseEnvValue(ConfigSchema.properties[key], raw);
      origin.set(key, `env ${name}`);
    }
  }

  for (const [key, value] of Object.entries(sources.flags ?? {})) {
    if (value === undefined) continue;
    merged[key] = value;
    origin.set(key as ConfigKey, `flag --${key.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase())}`);
  }

  const config = Value.Default(ConfigSchema, merged) as Record<string, unknown>;
  const firstError = Value.Errors(ConfigSchema, config)[0];
  if (firstError) {
    const key = firstError.instancePath.split("/")[1] as ConfigKey;
    const where = origin.get(key) ?? "default";
    throw new ConfigError(
      `invalid configuration: ${key} (${where}) ${describe(firstError.message, ConfigSchema.properties[key])}, got ${JSON.stringify(config[key])}`,
    );
  }
  return checkCrossFieldRules(config as Config);
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new ConfigError(`cannot read config file ${path}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`config file ${path} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(`config file ${path} must hold a JSON object`);
  }
  return parsed as Record<string, unknown>;
}

/** Env values are strings; turn them into the schema's type so validation speaks of the value. */
function parseEnvValue(schema: TSchema | undefined, raw: string): unknown {
  const type = (schema as { type?: string } | undefined)?.type;
  if (type === "integer" || type === "number") return raw.trim() === "" ? raw : Number(raw);
  if (type === "boolean") return raw === "true" || raw === "1" ? true : raw === "false" || raw === "0" ? false : raw;
  if (type === "array") {
    const items = (schema as { items?: { type?: string } }).items;
    const parts = raw
      .split(",")
      .map((part) => part.trim())
      .filter((part) => part !== "");
    return items?.type === "number" || items?.type === "integer" ? parts.map(Number) : parts;
  }
  return raw;
}

function describe(message: string, schema: TSchema | undefined): string {
  const anyOf = (schema as { anyOf?: { const?: unknown }[] } | undefined)?.anyOf;
  if (anyOf) return `must be one of ${anyOf.map((s) => JSON.stringify(s.const)).join(", ")}`;
  return message;
}

function checkCrossFieldRules(config: Config): Config {
  for (const cidr of config.allowedSubnets) {
    if (!/^[0-9a-fA-F:.]+\/\d{1,3}$/.test(cidr)) {
      throw new ConfigError(`invalid configuration: allowedSubnets entry "${cidr}" is not a CIDR like 10.0.0.0/8`);
    }
  }
  if (config.retrySchedule.length > 50) {
    throw new ConfigError("invalid configuration: retrySchedule has more than 50 entries");
  }
  return config;
}
