// Reads one hooks file: optional template rendering, then YAML (a superset of JSON, which is
// how webhook reads both), then validation. Errors carry the file name and the bad key.
import { readFile } from "node:fs/promises";
import { parse as parseYaml, YAMLParseError } from "yaml";
import { HookFileError, validateHooks, type HookDefinition } from "./definition.js";
import { renderTemplate, TemplateError } from "./template.js";

export interface LoadOptions {
  template: boolean;
  strict: boolean;
  env: NodeJS.ProcessEnv;
}

export interface LoadedFile {
  hooks: HookDefinition[];
  warnings: string[];
}

export class HookFileLoadError extends Error {
  constructor(
    readonly file: string,
    readonly detail: string,
  ) {
    super(`${file}: ${detail}`);
  }
}

export function parseHooksText(text: string, file: string, options: LoadOptions): LoadedFile {
  try {
    const rendered = options.template ? renderTemplate(text, options.env) : text;
    // Large integers stay exact; `uniqueKeys` reports a key given twice, which JSON.parse hides.
    const document: unknown = parseYaml(rendered, { uniqueKeys: true, intAsBigInt: false });
    return validateHooks(document, options);
  } catch (error) {
    if (error instanceof HookFileError || error instanceof TemplateError)
      throw new HookFileLoadError(file, error.message);
    if (error instanceof YAMLParseError) {
      const where = error.linePos ? ` (line ${error.linePos[0].line}, column ${error.linePos[0].col})` : "";
      throw new HookFileLoadError(file, `not valid JSON or YAML${where}: ${error.message.split("\n")[0]}`);
    }
    throw error;
  }
}

export async function loadHooksFile(file: string, options: LoadOptions): Promise<LoadedFile> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new HookFileLoadError(
      file,
      (error as NodeJS.ErrnoException).code === "ENOENT" ? "file not found" : (error as Error).message,
    );
  }
  return parseHooksText(text, file, options);
}
