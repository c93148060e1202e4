// -hotreload: a changed hooks file is picked up without a restart; a broken edit keeps the
// previous hooks, and fixing it loads the new ones.
import { mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it, vi } from "vitest";
import { waitFor } from "../helpers/wait.js";
import { startHooks, type HooksProcess } from "./hooksProcess.js";

vi.setConfig({ testTimeout: 180_000 });

const dir = mkdtempSync(join(tmpdir(), "hooks-reload-"));
let server: HooksProcess | undefined;
afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const hook = (id: string, message: string) => ({ id, "execute-command": "/bin/true", "response-message": message });

async function answer(id: string): Promise<string> {
  const res = await fetch(`${server!.url}/hooks/${id}`, { method: "POST" });
  return `${res.status} ${await res.text()}`;
}

it("reloads a changed hooks file, keeps the old hooks over a broken edit", async () => {
  const file = join(dir, "hooks.json");
  writeFileSync(file, JSON.stringify([hook("deploy", "one")]));
  server = await startHooks("hooklane", ["-hooks", file, "-hotreload", "-verbose"]);
  expect(await answer("deploy")).toBe("200 one");
  expect(await answer("added")).toBe("404 Hook not found.");

  writeFileSync(file, JSON.stringify([hook("deploy", "two"), hook("added", "new")]));
  await waitFor(async () => (await answer("added")) === "200 new", { what: "the edited file to load" });
  expect(await answer("deploy")).toBe("200 two");

  writeFileSync(file, '[{"id": "deploy", ');
  await waitFor(() => server!.output().includes("couldn't load hooks from file!"), {
    what: "the broken edit to be seen",
  });
  expect(await answer("deploy")).toBe("200 two");

  // Editors often save by writing a temp file and renaming it over the original.
  writeFileSync(join(dir, "hooks.json.tmp"), JSON.stringify([hook("deploy", "three")]));
  renameSync(join(dir, "hooks.json.tmp"), file);
  await waitFor(async () => (await answer("deploy")) === "200 three", { what: "the renamed file to load" });
  expect(await answer("added")).toBe("404 Hook not found.");
});
