// webhook 2.8 compatibility: the same requests (cases.ts) against real `webhook` (when the
// binary is installed: Debian's `webhook` package) and `hooklane hooks`, over one hooks file
// that uses every property and rule type. Compares status, body, the headers webhook sets, and
// what the command received (arguments, environment, temp files, working directory).
// webhook's answers are recorded in fixtures/webhook-2.8.0-answers.json, so without the
// binary Hooklane is still checked against recorded 2.8 behaviour
// (refresh with UPDATE_WEBHOOK_FIXTURE=1 when the binary is present).
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../helpers/wait.js";
import { CASES, FLAG_CASES, SCALR_KEY, SECRET, type CompatCase } from "./cases.js";
import { startHooks, type HooksProcess } from "./hooksProcess.js";

const FIXTURES = fileURLToPath(new URL("./fixtures/", import.meta.url));
const HOOKS_FILE = join(FIXTURES, "compat-hooks.yaml");
const ANSWERS_FILE = join(FIXTURES, "webhook-2.8.0-answers.json");
const WEBHOOK_VERSION = spawnSync("webhook", ["-version"], { encoding: "utf8" });
// HOOKLANE_TEST_NO_WEBHOOK=1 checks against the fixture alone, as on a machine without the binary.
const HAVE_WEBHOOK =
  process.env.HOOKLANE_TEST_NO_WEBHOOK !== "1" &&
  WEBHOOK_VERSION.status === 0 &&
  WEBHOOK_VERSION.stdout.includes("2.8.");
/** Headers webhook sets that the suite compares (Date and Content-Length are not interesting). */
const COMPARED_HEADERS = ["content-type", "x-hook", "x-global", "x-content-type-options"];

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
  record: unknown;
}

interface Target {
  name: string;
  workdir: string;
  recordFile: string;
  server: HooksProcess;
}

async function start(which: "hooklane" | "webhook", flags: string[]): Promise<Target> {
  const workdir = mkdtempSync(join(tmpdir(), `hooks-compat-${which}-`));
  const recorder = join(workdir, "record.mjs");
  copyFileSync(join(FIXTURES, "record.mjs"), recorder);
  const recordFile = join(workdir, "records.jsonl");
  writeFileSync(recordFile, "");
  const server = await startHooks(which, ["-hooks", HOOKS_FILE, "-template", "-verbose", ...flags], {
    RECORDER: recorder,
    WORKDIR: workdir,
    RECORD_FILE: recordFile,
    SECRET,
    SCALR_KEY,
  });
  return { name: which, workdir, recordFile, server };
}

function records(target: Target): string[] {
  return readFileSync(target.recordFile, "utf8").split("\n").filter(Boolean);
}

/** Paths differ per run: the work directories become <workdir> and <cwd>, temp-file suffixes #. */
function normalizeRecord(line: string, target: Target): unknown {
  const text = line
    .split(target.workdir)
    .join("<workdir>")
    .split(process.cwd())
    .join("<cwd>")
    .replace(/(<workdir>\/[A-Z_]+)\d+/g, "$1#");
  return JSON.parse(text);
}

async function send(target: Target, testCase: CompatCase): Promise<Answer> {
  const before = records(target).length;
  const built = typeof testCase.body === "function" ? testCase.body() : { body: testCase.body, headers: {} };
  const method = testCase.method ?? "POST";
  const res = await fetch(target.server.url + testCase.path, {
    method,
    headers: { ...testCase.headers, ...built.headers },
    body: method === "GET" ? undefined : (built.body ?? ""),
  });
  const body = await res.text();
  const headers = Object.fromEntries(
    COMPARED_HEADERS.filter((h) => res.headers.has(h)).map((h) => [h, res.headers.get(h)!]),
  );
  let record: unknown = null;
  if (testCase.runs) {
    const line = await waitFor(() => records(target)[before], {
      timeoutMs: 20000,
      what: `${testCase.name}: command record (${target.name} said ${res.status} ${body}; log:\n${target.server.output().slice(-3000)})`,
    });
    const parsed = JSON.parse(line) as { files: Record<string, { path: string }> };
    // Temp files are removed once the command has finished.
    for (const file of Object.values(parsed.files)) {
      await waitFor(() => !existsSync(file.path), { what: `${file.path} to be removed` });
    }
    record = normalizeRecord(line, target);
  }
  return { status: res.status, headers, body, record };
}

async function runAll(target: Target, cases: CompatCase[]): Promise<Record<string, Answer>> {
  const answers: Record<string, Answer> = {};
  for (const testCase of cases) answers[testCase.name] = await send(target, testCase);
  return answers;
}

async function stop(target: Target | undefined): Promise<void> {
  if (!target) return;
  await target.server.stop();
  rmSync(target.workdir, { recursive: true, force: true });
}

/**
 * Runs `cases` against webhook (if installed) and hooklane started with `flags`; webhook's
 * answers must equal `answersFile` (rewritten with UPDATE_WEBHOOK_FIXTURE=1), hooklane's must
 * equal webhook's.
 */
function compatSuite(title: string, flags: string[], cases: CompatCase[], answersFile: string, minimum: number) {
  describe(title, () => {
    let hooklane: Target | undefined;
    let webhook: Target | undefined;
    const ours: Record<string, Answer> = {};
    let theirs: Record<string, Answer> = {};

    beforeAll(async () => {
      if (!existsSync(join(FIXTURES, "../../../dist/cli/main.js"))) throw new Error("run `npm run build` first");
      const recorded = existsSync(answersFile)
        ? (JSON.parse(readFileSync(answersFile, "utf8")) as Record<string, Answer>)
        : {};
      if (HAVE_WEBHOOK) {
        webhook = await start("webhook", flags);
        theirs = await runAll(webhook, cases);
        if (process.env.UPDATE_WEBHOOK_FIXTURE === "1")
          writeFileSync(answersFile, JSON.stringify(theirs, null, 2) + "\n");
        else expect(theirs, "the installed webhook differs from the recorded fixture").toEqual(recorded);
      } else {
        theirs = recorded;
      }
      hooklane = await start("hooklane", flags);
      Object.assign(ours, await runAll(hooklane, cases));
    }, 900_000);

    afterAll(async () => {
      await stop(hooklane);
      await stop(webhook);
    });

    it(`covers at least ${minimum} requests, each with a recorded webhook answer`, () => {
      expect(cases.length).toBeGreaterThanOrEqual(minimum);
      for (const testCase of cases) expect(theirs[testCase.name], testCase.name).toBeDefined();
    });

    it.each(cases.map((testCase) => [testCase.name]))("%s", (name) => {
      expect(ours[name]).toEqual(theirs[name]);
    });
  });
}

compatSuite("hooklane hooks answers as webhook 2.8 does", ["-header", "X-Global=yes"], CASES, ANSWERS_FILE, 40);
compatSuite(
  "with -urlprefix '' and -http-methods",
  ["-urlprefix", "", "-http-methods", " post, put"],
  FLAG_CASES,
  join(FIXTURES, "webhook-2.8.0-flags-answers.json"),
  6,
);
