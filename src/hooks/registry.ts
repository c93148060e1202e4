// The hooks currently served, per file. A reload swaps one file's hooks only when the new
// version loads cleanly and its ids clash with no other file; otherwise the old set stays
// (webhook's "reverting hooks back to the previous configuration").
import type { HookDefinition } from "./definition.js";
import { loadHooksFile, type LoadOptions } from "./hookFile.js";

export class HookRegistry {
  private readonly byFile = new Map<string, HookDefinition[]>();

  constructor(
    private readonly options: LoadOptions,
    private readonly log: (line: string) => void,
  ) {}

  find(id: string): HookDefinition | undefined {
    for (const hooks of this.byFile.values()) {
      const hook = hooks.find((entry) => entry.id === id);
      if (hook) return hook;
    }
    return undefined;
  }

  get size(): number {
    return [...this.byFile.values()].reduce((sum, hooks) => sum + hooks.length, 0);
  }

  files(): string[] {
    return [...this.byFile.keys()];
  }

  /** Loads or reloads one file; returns false (keeping the previous hooks) on any problem. */
  async load(file: string): Promise<boolean> {
    this.log(`attempting to load hooks from ${file}`);
    let hooks: HookDefinition[];
    try {
      const loaded = await loadHooksFile(file, this.options);
      for (const warning of loaded.warnings) this.log(`warning: ${file}: ${warning}`);
      hooks = loaded.hooks;
    } catch (error) {
      this.log(`couldn't load hooks from file! ${(error as Error).message}`);
      return false;
    }
    for (const hook of hooks) {
      const owner = [...this.byFile.entries()].find(
        ([other, list]) => other !== file && list.some((h) => h.id === hook.id),
      );
      if (owner) {
        this.log(
          `error: hook with the id ${hook.id} has already been loaded from ${owner[0]}; keeping the previous configuration`,
        );
        return false;
      }
    }
    this.log(`found ${hooks.length} hook(s) in file`);
    for (const hook of hooks) this.log(`\tloaded: ${hook.id}`);
    this.byFile.set(file, hooks);
    return true;
  }

  remove(file: string): void {
    this.log(`removed ${this.byFile.get(file)?.length ?? 0} hook(s) that were loaded from file ${file}`);
    this.byFile.delete(file);
  }
}
