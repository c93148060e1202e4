// Figures of each chaos run (issue 9: messages, lost, duplicated, 5xx, max RSS), printed as a
// Markdown row and appended to CHAOS_REPORT (default: a file in the temp dir) so a run's rows
// can be pasted into docs/reliability.md.
import { appendFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SIZE_LABEL } from "./sizes.js";

export interface ChaosFigures {
  scenario: string;
  messages: number;
  lost: number;
  duplicated: number;
  serverErrors: number;
  maxRssMb: number;
  note?: string;
}

export const REPORT_PATH = process.env.CHAOS_REPORT ?? join(tmpdir(), "hooklane-chaos-report.md");

export function report(f: ChaosFigures): void {
  const row =
    `| ${f.scenario} (${SIZE_LABEL}) | ${f.messages} | ${f.lost} | ${f.duplicated} | ${f.serverErrors} | ` +
    `${f.maxRssMb.toFixed(0)} | ${f.note ?? ""} |`;
  appendFileSync(REPORT_PATH, row + "\n");
  console.log(`chaos: ${row}`);
}

/** Peak resident set size of a live process so far, in MB (VmHWM from /proc). */
export function peakRssMb(pid: number): number {
  return kbField(pid, "VmHWM") / 1024;
}

/** Current resident set size of a live process, in MB. */
export function rssMb(pid: number): number {
  return kbField(pid, "VmRSS") / 1024;
}

function kbField(pid: number, field: string): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status);
  if (!match) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(match[1]);
}
