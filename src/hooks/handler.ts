// One request to `/{prefix}/{id}`, answered as webhook 2.8's hookHandler answers it: 404 for an
// unknown hook, 405 for a method not allowed, 500 on a rule error, the mismatch text when the
// rules fail, otherwise the response message (command in the background) or the command output.
import { runCommand, type CommandResult } from "./command.js";
import type { HookDefinition } from "./definition.js";
import { applyJsonParameters, commandArguments, commandEnvironment, commandFiles } from "./extract.js";
import type { ConcurrencyLimiter } from "./limiter.js";
import { isMultipart, parseBodyPayload, parseMultipartPayload } from "./payload.js";
import { canonicalHeaderKey, parseGoQuery, type HookRequest } from "./request.js";
import { knownStatus, reply, setHeader, type HookResponse } from "./response.js";
import { evaluateRules, isRuleFailure } from "./rules.js";

export interface IncomingHookRequest {
  id: string;
  method: string;
  remoteAddr: string;
  /** Node's rawHeaders: name, value, name, value… in arrival order. */
  rawHeaders: string[];
  rawQuery: string;
  body: Buffer;
}

export interface HandlerContext {
  /** Global `-http-methods`, upper-cased; empty allows any. */
  httpMethods: string[];
  /** Global `-header name=value` pairs. */
  responseHeaders: { name: string; value: string }[];
  env: NodeJS.ProcessEnv;
  limiter: ConcurrencyLimiter;
  log: (line: string) => void;
}

const COMMAND_FAILED = "Error occurred while executing the hook's command. Please check your logs for more details.";

/** Go's Request.Header: canonical names, first value, Host and Transfer-Encoding moved out. */
function goHeaders(rawHeaders: string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = canonicalHeaderKey(rawHeaders[i]!);
    if (name === "Host" || name === "Transfer-Encoding" || name in headers) continue;
    headers[name] = rawHeaders[i + 1]!;
  }
  return headers;
}

function methodAllowed(hook: HookDefinition, method: string, ctx: HandlerContext): boolean {
  const own = hook["http-methods"] ?? [];
  if (own.length > 0) return own.some((allowed) => allowed.trim().toUpperCase() === method);
  if (ctx.httpMethods.length > 0) return ctx.httpMethods.includes(method);
  return true;
}

async function buildRequest(
  hook: HookDefinition,
  incoming: IncomingHookRequest,
): Promise<{ req: HookRequest; multipartFailed: boolean; errors: string[] }> {
  const headers = goHeaders(incoming.rawHeaders);
  const contentType = hook["incoming-payload-content-type"] || (headers["Content-Type"] ?? "");
  const multipart = isMultipart(contentType);
  const req: HookRequest = {
    id: incoming.id,
    method: incoming.method,
    remoteAddr: incoming.remoteAddr,
    contentType,
    // webhook leaves a multipart body unread in Body (the form parser consumes it), so
    // raw-request-body and payload signatures see an empty body there.
    body: multipart ? Buffer.alloc(0) : incoming.body,
    headers,
    query: parseGoQuery(incoming.rawQuery),
    payload: undefined,
    allowSignatureErrors: hook["trigger-signature-soft-failures"] ?? false,
  };
  const errors: string[] = [];
  if (multipart) {
    const jsonNames = new Set(
      (hook["parse-parameters-as-json"] ?? []).filter((a) => a.source === "payload").map((a) => a.name ?? ""),
    );
    const parsed = await parseMultipartPayload(incoming.body, contentType, jsonNames);
    if (parsed.failed) return { req, multipartFailed: true, errors: [`error parsing multipart form: ${parsed.error}`] };
    req.payload = parsed.payload;
  } else {
    const parsed = parseBodyPayload(req.body, contentType);
    req.payload = parsed.payload;
    if (parsed.error) errors.push(parsed.error);
  }
  return { req, multipartFailed: false, errors };
}

async function runHookCommand(hook: HookDefinition, req: HookRequest, ctx: HandlerContext): Promise<CommandResult> {
  const errors: string[] = [];
  const spec = {
    command: hook["execute-command"] ?? "",
    workingDirectory: hook["command-working-directory"] ?? "",
    args: commandArguments(hook, req, errors),
    env: commandEnvironment(hook, req, errors),
    files: commandFiles(hook, req, errors),
    timeoutSeconds: hook["command-timeout-seconds"],
  };
  for (const error of errors) ctx.log(`[${req.id}] error extracting command arguments: ${error}`);
  const result = await ctx.limiter.run(hook.id, hook["max-concurrency"], () =>
    runCommand(spec, ctx.env, (line) => ctx.log(`[${req.id}] ${line}`)),
  );
  ctx.log(`[${req.id}] command output: ${result.output}`);
  if (result.failure) ctx.log(`[${req.id}] error occurred: ${result.failure.message}`);
  ctx.log(`[${req.id}] finished handling ${hook.id}`);
  return result;
}

/** Hooklane extension: a failed command's exit code chosen as the status, when configured. */
function failureStatus(hook: HookDefinition, result: CommandResult): number {
  const map = hook["exit-code-http-status"];
  if (!map) return 500;
  const code = result.failure?.exitCode;
  return (code !== undefined ? map[String(code)] : undefined) ?? map["*"] ?? 500;
}

async function respondTriggered(
  hook: HookDefinition,
  req: HookRequest,
  headers: [string, string][],
  ctx: HandlerContext,
) {
  for (const { name, value } of hook["response-headers"] ?? []) setHeader(headers, name, value);
  if (!hook["include-command-output-in-response"]) {
    // Fire and forget, as webhook's `go handleHook(...)`: the answer does not wait.
    runHookCommand(hook, req, ctx).catch((error: Error) =>
      ctx.log(`[${req.id}] error running command: ${error.message}`),
    );
    return reply(knownStatus(hook["success-http-response-code"], 200), headers, hook["response-message"] ?? "");
  }
  const result = await runHookCommand(hook, req, ctx);
  if (!result.failure) return reply(knownStatus(hook["success-http-response-code"], 200), headers, result.output);
  if (hook["include-command-output-in-response-on-error"])
    return reply(failureStatus(hook, result), headers, result.output);
  setHeader(headers, "Content-Type", "text/plain; charset=utf-8");
  return reply(failureStatus(hook, result), headers, COMMAND_FAILED);
}

export async function handleHookRequest(
  hook: HookDefinition | undefined,
  incoming: IncomingHookRequest,
  ctx: HandlerContext,
): Promise<HookResponse> {
  ctx.log(`[${incoming.id}] incoming HTTP ${incoming.method} request from ${incoming.remoteAddr}`);
  if (!hook) return reply(404, [], "Hook not found.");
  if (!methodAllowed(hook, incoming.method, ctx)) {
    ctx.log(`[${incoming.id}] HTTP ${incoming.method} method not allowed for hook "${hook.id}"`);
    return reply(405, [], "");
  }
  ctx.log(`[${incoming.id}] ${hook.id} got matched`);
  const headers: [string, string][] = [];
  for (const { name, value } of ctx.responseHeaders) setHeader(headers, name, value);

  const { req, multipartFailed, errors } = await buildRequest(hook, incoming);
  if (multipartFailed) {
    ctx.log(`[${req.id}] ${errors.join("; ")}`);
    return reply(500, headers, "Error occurred while parsing multipart form.");
  }
  applyJsonParameters(hook, req, errors);
  for (const error of errors) ctx.log(`[${req.id}] ${error}`);

  const evaluation = hook["trigger-rule"] ? evaluateRules(hook["trigger-rule"], req) : { ok: true };
  if (isRuleFailure(evaluation.error)) {
    ctx.log(`[${req.id}] error evaluating hook: ${evaluation.error?.message}`);
    return reply(500, headers, "Error occurred while evaluating hook rules.");
  }
  if (evaluation.error) ctx.log(`[${req.id}] ${evaluation.error.message}`);
  if (evaluation.ok) {
    ctx.log(`[${req.id}] ${hook.id} hook triggered successfully`);
    return respondTriggered(hook, req, headers, ctx);
  }
  ctx.log(`[${req.id}] ${hook.id} got matched, but didn't get triggered because the trigger rules were not satisfied`);
  return reply(
    knownStatus(hook["trigger-rule-mismatch-http-response-code"], 200),
    headers,
    "Hook rules were not satisfied.",
  );
}
