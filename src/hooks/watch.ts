// -hotreload: reload a hooks file when it changes. Watches the directory rather than the file
// so that editors which save by rename (write temp, rename over) keep being followed, and
// debounces the burst of events one save produces.
import { watch, type FSWatcher } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import { stat } from "node:fs/promises";
import type { HookRegistry } from "./registry.js";

const DEBOUNCE_MS = 100;

export function watchHookFiles(files: string[], registry: HookRegistry, log: (line: string) => void): () => void {
  const watchers: FSWatcher[] = [];
  const timers = new Map<string, NodeJS.Timeout>();
  const byDirectory = new Map<string, Map<string, string>>();
  for (const file of files) {
    const dir = dirname(resolve(file));
    if (!byDirectory.has(dir)) byDirectory.set(dir, new Map());
    byDirectory.get(dir)!.set(basename(file), file);
  }
  const changed = (file: string) => {
    clearTimeout(timers.get(file));
    timers.set(
      file,
      setTimeout(async () => {
        timers.delete(file);
        const exists = await stat(file).then(
          () => true,
          () => false,
        );
        if (exists) {
          log(`hooks file ${file} modified`);
          await registry.load(file);
        } else {
          log(`hooks file ${file} removed, removing hooks that were loaded from it`);
          registry.remove(file);
        }
      }, DEBOUNCE_MS),
    );
  };
  for (const [dir, names] of byDirectory) {
    log(`setting up file watcher for ${[...names.values()].join(", ")}`);
    const watcher = watch(dir, (_event, name) => {
      const file = name === null ? undefined : names.get(name.toString());
      if (file) changed(file);
    });
    watchers.push(watcher);
  }
  return () => {
    for (const watcher of watchers) watcher.close();
    for (const timer of timers.values()) clearTimeout(timer);
  };
}
