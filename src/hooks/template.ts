// `-template`: the subset of Go's text/template that hook files use in practice. Supported
// actions: `{{ getenv "NAME" }}` (empty when unset, as in webhook) and `{{ cat "path" }}` (a
// file's contents, e.g. a mounted secret), with `{{-`/`-}}` whitespace trimming. Anything else
// is rejected by name instead of being passed through silently.
import { readFileSync } from "node:fs";

export class TemplateError extends Error {}

const ACTION = /(\s*)\{\{(-?)\s*([\s\S]*?)\s*(-?)\}\}(\s*)/g;
const CALL = /^(getenv|cat)\s+(?:"((?:[^"\\]|\\.)*)"|`([^`]*)`)$/;

function runAction(action: string, env: NodeJS.ProcessEnv): string {
  const call = CALL.exec(action);
  if (!call)
    throw new TemplateError(`unsupported template action {{ ${action} }} (supported: getenv "NAME", cat "FILE")`);
  const argument = call[3] ?? (JSON.parse(`"${call[2]}"`) as string);
  if (call[1] === "getenv") return env[argument] ?? "";
  try {
    return readFileSync(argument, "utf8");
  } catch (error) {
    throw new TemplateError(`cat "${argument}": ${(error as Error).message}`);
  }
}

export function renderTemplate(text: string, env: NodeJS.ProcessEnv): string {
  return text.replace(
    ACTION,
    (_all, before: string, trimLeft: string, action: string, trimRight: string, after: string) =>
      (trimLeft ? "" : before) + runAction(action, env) + (trimRight ? "" : after),
  );
}
