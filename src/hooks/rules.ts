// Trigger-rule evaluation with webhook 2.8's semantics: `and` stops at the first false or
// error, `or` skips missing values (and, with soft failures, bad signatures), `not` inverts,
// `match` compares one request value. Errors other than a missing value fail the request (500).
import { ParameterNodeError, SignatureError, type HookRequest } from "./request.js";
import {
  checkIpWhitelist,
  checkPayloadSignature,
  checkScalrSignature,
  checkStandardWebhooksSignature,
  type HmacAlgorithm,
} from "./signatures.js";
import { getValue, type ValueRef } from "./values.js";

export interface MatchRule {
  type: string;
  value?: string;
  regex?: string;
  secret?: string;
  "ip-range"?: string;
  parameter?: ValueRef;
}

export interface Rules {
  and?: Rules[];
  or?: Rules[];
  not?: Rules;
  match?: MatchRule;
}

export const MATCH_TYPES = [
  "value",
  "regex",
  "payload-hmac-sha1",
  "payload-hmac-sha256",
  "payload-hmac-sha512",
  "payload-hash-sha1",
  "payload-hash-sha256",
  "payload-hash-sha512",
  "ip-whitelist",
  "scalr-signature",
  "standard-webhooks",
] as const;

/** Rule types that check the whole request and take no `parameter`. */
export const WHOLE_REQUEST_TYPES: readonly string[] = ["ip-whitelist", "scalr-signature", "standard-webhooks"];

export interface Evaluation {
  ok: boolean;
  error?: Error;
}

/** Go's RE2 takes leading inline flags such as `(?i)`; JavaScript wants them as flags. */
export function compileGoRegex(pattern: string): RegExp {
  const flags = /^\(\?([imsU]+)\)/.exec(pattern);
  if (!flags) return new RegExp(pattern);
  const js = [...new Set(flags[1]!.replace("U", "").split(""))].join("");
  return new RegExp(pattern.slice(flags[0].length), js);
}

function hmacAlgorithm(type: string): HmacAlgorithm | undefined {
  const match = /^payload-(?:hmac|hash)-(sha1|sha256|sha512)$/.exec(type);
  return match ? (match[1] as HmacAlgorithm) : undefined;
}

function evaluateMatch(rule: MatchRule, req: HookRequest, nowMs: number): Evaluation {
  try {
    if (rule.type === "ip-whitelist") return { ok: checkIpWhitelist(req.remoteAddr, rule["ip-range"] ?? "") };
    if (rule.type === "scalr-signature") return { ok: checkScalrSignature(req, rule.secret ?? "", nowMs) };
    if (rule.type === "standard-webhooks") {
      return { ok: checkStandardWebhooksSignature(req, rule.secret ?? "", nowMs) };
    }
    const value = getValue(rule.parameter ?? { source: "" }, req);
    if (rule.type === "value") return { ok: value === (rule.value ?? "") };
    if (rule.type === "regex") return { ok: compileGoRegex(rule.regex ?? "").test(value) };
    const algorithm = hmacAlgorithm(rule.type);
    if (algorithm) {
      checkPayloadSignature(req.body, rule.secret ?? "", value, algorithm);
      return { ok: true };
    }
    return { ok: false };
  } catch (error) {
    return { ok: false, error: error as Error };
  }
}

/** Inside `or`, a missing value (and with soft failures a bad signature) only means "false". */
function skippableInOr(error: Error, req: HookRequest): boolean {
  return error instanceof ParameterNodeError || (req.allowSignatureErrors && error instanceof SignatureError);
}

export function evaluateRules(rules: Rules, req: HookRequest, nowMs = Date.now()): Evaluation {
  if (rules.and) {
    for (const rule of rules.and) {
      const result = evaluateRules(rule, req, nowMs);
      if (result.error) return { ok: false, error: result.error };
      if (!result.ok) return { ok: false };
    }
    return { ok: true };
  }
  if (rules.or) {
    for (const rule of rules.or) {
      const result = evaluateRules(rule, req, nowMs);
      if (result.error && !skippableInOr(result.error, req)) return { ok: false, error: result.error };
      if (result.ok) return { ok: true };
    }
    return { ok: false };
  }
  if (rules.not) {
    // webhook negates even when the inner rule failed on a missing value (the error travels up).
    const result = evaluateRules(rules.not, req, nowMs);
    return { ok: !result.ok, error: result.error };
  }
  if (rules.match) return evaluateMatch(rules.match, req, nowMs);
  return { ok: false };
}

/** At the top, only a missing value is tolerated; any other error answers 500. */
export function isRuleFailure(error: Error | undefined): boolean {
  return error !== undefined && !(error instanceof ParameterNodeError);
}
