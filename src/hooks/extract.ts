// What a triggered hook hands its command (webhook's ExtractCommandArguments*, ForEnv,
// ForFile) and the parse-parameters-as-json step that runs before the rules.
import type { CommandFile } from "./command.js";
import type { Argument, HookDefinition } from "./definition.js";
import { canonicalHeaderKey, type HookRequest } from "./request.js";
import { parse as parseLosslessJson } from "lossless-json";
import { getValue, replaceParameter } from "./values.js";

function tryValue(argument: Argument, req: HookRequest, errors: string[]): string | undefined {
  try {
    return getValue(argument, req);
  } catch (error) {
    errors.push(
      `couldn't retrieve argument for {Source:${argument.source} Name:${argument.name ?? ""}}: ${(error as Error).message}`,
    );
    return undefined;
  }
}

/** argv: the command as written, then each argument; a missing value becomes "" (as webhook). */
export function commandArguments(hook: HookDefinition, req: HookRequest, errors: string[]): string[] {
  const values = (hook["pass-arguments-to-command"] ?? []).map((argument) => tryValue(argument, req, errors) ?? "");
  return [hook["execute-command"] ?? "", ...values];
}

/** `NAME=value`; envname or HOOK_<name>; missing values are left out. */
export function commandEnvironment(hook: HookDefinition, req: HookRequest, errors: string[]): string[] {
  const env: string[] = [];
  for (const argument of hook["pass-environment-to-command"] ?? []) {
    const value = tryValue(argument, req, errors);
    if (value !== undefined) env.push(`${argument.envname || `HOOK_${argument.name ?? ""}`}=${value}`);
  }
  return env;
}

/** Files: envname or HOOK_<NAME uppercased>; base64decode decodes standard base64 first. */
export function commandFiles(hook: HookDefinition, req: HookRequest, errors: string[]): CommandFile[] {
  const files: CommandFile[] = [];
  for (const argument of hook["pass-file-to-command"] ?? []) {
    const value = tryValue(argument, req, errors);
    if (value === undefined) continue;
    files.push({
      envName: argument.envname || `HOOK_${(argument.name ?? "").toUpperCase()}`,
      data: argument.base64decode ? Buffer.from(value, "base64") : Buffer.from(value, "utf8"),
    });
  }
  return files;
}

/** Replaces string values holding JSON objects by the objects, so rules can look inside. */
export function applyJsonParameters(hook: HookDefinition, req: HookRequest, errors: string[]): void {
  for (const argument of hook["parse-parameters-as-json"] ?? []) {
    const text = tryValue(argument, req, errors);
    if (text === undefined) continue;
    let parsed: unknown;
    try {
      parsed = parseLosslessJson(text);
    } catch (error) {
      errors.push(`error parsing JSON: ${(error as Error).message}`);
      continue;
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
      errors.push(`error parsing JSON: ${argument.name ?? ""} is not a JSON object`);
      continue;
    }
    const name = argument.name ?? "";
    if (argument.source === "header") replaceParameter(canonicalHeaderKey(name), req.headers, parsed);
    else if (argument.source === "payload") replaceParameter(name, req.payload, parsed);
    else if (argument.source === "url" || argument.source === "query") replaceParameter(name, req.query, parsed);
    else errors.push(`invalid source for argument {Source:${argument.source} Name:${name}}`);
  }
}
