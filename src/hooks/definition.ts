// The hook definition (webhook's Hook struct, same keys) plus Hooklane's extensions, and a
// validator that names the bad key by its path (`[2].trigger-rule.and[0].match.type`).
import { compileGoRegex, MATCH_TYPES, WHOLE_REQUEST_TYPES, type MatchRule, type Rules } from "./rules.js";
import { VALUE_SOURCES, type ValueRef } from "./values.js";

export interface Argument extends ValueRef {
  envname?: string;
  base64decode?: boolean;
}

export interface HookDefinition {
  id: string;
  "execute-command"?: string;
  "command-working-directory"?: string;
  "response-message"?: string;
  "response-headers"?: { name: string; value: string }[];
  "include-command-output-in-response"?: boolean;
  "include-command-output-in-response-on-error"?: boolean;
  "pass-arguments-to-command"?: Argument[];
  "pass-environment-to-command"?: Argument[];
  "pass-file-to-command"?: Argument[];
  "parse-parameters-as-json"?: Argument[];
  "trigger-rule"?: Rules;
  "trigger-rule-mismatch-http-response-code"?: number;
  "trigger-signature-soft-failures"?: boolean;
  "success-http-response-code"?: number;
  "http-methods"?: string[];
  "incoming-payload-content-type"?: string;
  // Hooklane extensions (webhook ignores unknown keys, so files stay loadable by both).
  /** Commands of this hook running at once; further requests wait their turn. */
  "max-concurrency"?: number;
  /** Kill the command (SIGTERM, then SIGKILL 5 s later) after this many seconds. */
  "command-timeout-seconds"?: number;
  /** Exit code → HTTP status when the output is included in the response (`"*"`: any other non-zero code). */
  "exit-code-http-status"?: Record<string, number>;
}

export class HookFileError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path === "" ? "top level" : path}: ${reason}`);
  }
}

interface CheckContext {
  /** `--check` rejects unknown keys; serving only warns, as webhook ignores them. */
  strict: boolean;
  warnings: string[];
  env: NodeJS.ProcessEnv;
}

type Check = (value: unknown, path: string, ctx: CheckContext) => void;

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value);

const string: Check = (value, path) => {
  if (typeof value !== "string") throw new HookFileError(path, "must be a string");
};
const boolean: Check = (value, path) => {
  if (typeof value !== "boolean") throw new HookFileError(path, "must be true or false");
};
const integer: Check = (value, path) => {
  if (!Number.isInteger(value)) throw new HookFileError(path, "must be an integer");
};
const positiveInteger: Check = (value, path) => {
  if (!Number.isInteger(value) || (value as number) < 1) throw new HookFileError(path, "must be a positive integer");
};
const httpStatus: Check = (value, path) => {
  if (!Number.isInteger(value) || (value as number) < 100 || (value as number) > 599) {
    throw new HookFileError(path, "must be an HTTP status code (100-599)");
  }
};
const listOf =
  (item: Check): Check =>
  (value, path, ctx) => {
    if (!Array.isArray(value)) throw new HookFileError(path, "must be a list");
    value.forEach((entry, index) => item(entry, `${path}[${index}]`, ctx));
  };

function object(fields: Record<string, Check>, required: string[] = []): Check {
  return (value, path, ctx) => {
    if (!isObject(value)) throw new HookFileError(path, "must be an object");
    for (const key of required) {
      if (value[key] === undefined) throw new HookFileError(join(path, key), "is required");
    }
    for (const [key, entry] of Object.entries(value)) {
      const check = fields[key];
      if (!check) {
        const problem = new HookFileError(
          join(path, key),
          `unknown key (expected one of: ${Object.keys(fields).join(", ")})`,
        );
        if (ctx.strict) throw problem;
        ctx.warnings.push(problem.message);
      } else if (entry !== null) check(entry, join(path, key), ctx);
    }
  };
}

const join = (path: string, key: string) => (path === "" ? key : `${path}.${key}`);

const oneOf =
  (choices: readonly string[]): Check =>
  (value, path, ctx) => {
    string(value, path, ctx);
    if (!choices.includes(value as string)) throw new HookFileError(path, `must be one of: ${choices.join(", ")}`);
  };

const valueRef = { source: oneOf(VALUE_SOURCES), name: string };
const argument = object({ ...valueRef, envname: string, base64decode: boolean }, ["source"]);

/** A bad regex fails `--check`; when serving it only warns, as webhook answers 500 at request time. */
const regex: Check = (value, path, ctx) => {
  string(value, path, ctx);
  try {
    compileGoRegex(value as string);
  } catch (error) {
    const problem = new HookFileError(path, `invalid regular expression: ${(error as Error).message}`);
    if (ctx.strict) throw problem;
    ctx.warnings.push(problem.message);
  }
};

/** Hooklane extension: `secret-env` names the variable holding the secret, kept out of the file. */
function resolveSecretEnv(rule: MatchRule & { "secret-env"?: string }, path: string, env: NodeJS.ProcessEnv): void {
  const name = rule["secret-env"];
  if (name === undefined) return;
  if (rule.secret !== undefined)
    throw new HookFileError(join(path, "secret-env"), "give either secret or secret-env, not both");
  const secret = env[name];
  if (secret === undefined || secret === "") {
    throw new HookFileError(join(path, "secret-env"), `environment variable ${name} is not set`);
  }
  rule.secret = secret;
}

const matchRule: Check = (value, path, ctx) => {
  object(
    {
      type: oneOf(MATCH_TYPES),
      value: string,
      regex,
      secret: string,
      "secret-env": string,
      "ip-range": string,
      parameter: object(valueRef, ["source"]),
    },
    ["type"],
  )(value, path, ctx);
  const rule = value as unknown as MatchRule;
  resolveSecretEnv(rule, path, ctx.env);
  const needs: Record<string, keyof MatchRule> = {
    regex: "regex",
    "ip-whitelist": "ip-range",
    "scalr-signature": "secret",
    "standard-webhooks": "secret",
  };
  const key = needs[rule.type] ?? (rule.type.startsWith("payload-") ? "secret" : undefined);
  if (key && rule[key] === undefined) throw new HookFileError(join(path, key), `is required for type ${rule.type}`);
  if (!WHOLE_REQUEST_TYPES.includes(rule.type) && rule.parameter === undefined) {
    throw new HookFileError(join(path, "parameter"), `is required for type ${rule.type}`);
  }
};

const rules: Check = (value, path, ctx) => {
  if (!isObject(value)) throw new HookFileError(path, "must be an object");
  const keys = Object.keys(value);
  if (keys.length !== 1) throw new HookFileError(path, "must have exactly one of: and, or, not, match");
  const key = keys[0]!;
  const inner = value[key];
  const at = join(path, key);
  if (key === "and" || key === "or") listOf(rules)(inner, at, ctx);
  else if (key === "not") rules(inner, at, ctx);
  else if (key === "match") matchRule(inner, at, ctx);
  else throw new HookFileError(at, "unknown rule (expected and, or, not or match)");
};

const exitCodeStatus: Check = (value, path, ctx) => {
  if (!isObject(value)) throw new HookFileError(path, "must be an object");
  for (const [code, status] of Object.entries(value)) {
    if (code !== "*" && !/^\d{1,3}$/.test(code))
      throw new HookFileError(join(path, code), 'key must be an exit code or "*"');
    httpStatus(status, join(path, code), ctx);
  }
};

const hook = object(
  {
    id: string,
    "execute-command": string,
    "command-working-directory": string,
    "response-message": string,
    "response-headers": listOf(object({ name: string, value: string }, ["name", "value"])),
    "include-command-output-in-response": boolean,
    "include-command-output-in-response-on-error": boolean,
    "pass-arguments-to-command": listOf(argument),
    "pass-environment-to-command": listOf(argument),
    "pass-file-to-command": listOf(argument),
    "parse-parameters-as-json": listOf(argument),
    "trigger-rule": rules,
    "trigger-rule-mismatch-http-response-code": integer,
    "trigger-signature-soft-failures": boolean,
    "success-http-response-code": integer,
    "http-methods": listOf(string),
    "incoming-payload-content-type": string,
    "max-concurrency": positiveInteger,
    "command-timeout-seconds": positiveInteger,
    "exit-code-http-status": exitCodeStatus,
  },
  ["id"],
);

export interface ValidatedHooks {
  hooks: HookDefinition[];
  warnings: string[];
}

/** Checks a parsed hooks document; returns it typed or throws HookFileError naming the key. */
export function validateHooks(document: unknown, options: { strict: boolean; env: NodeJS.ProcessEnv }): ValidatedHooks {
  const ctx: CheckContext = { ...options, warnings: [] };
  if (document === null || document === undefined) return { hooks: [], warnings: ctx.warnings };
  listOf(hook)(document, "", ctx);
  const hooks = document as HookDefinition[];
  const seen = new Set<string>();
  hooks.forEach((entry, index) => {
    if (seen.has(entry.id)) throw new HookFileError(`[${index}].id`, `duplicate hook id "${entry.id}"`);
    seen.add(entry.id);
  });
  return { hooks, warnings: ctx.warnings };
}
