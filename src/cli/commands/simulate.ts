// `hooklane simulate`: a paced publisher for load tests and demos. Sends messages at a fixed
// rate for a duration (or count), with a progress line on a terminal and a summary at the
// end (also on Ctrl-C). Pacing is by schedule (message i is due at start + i/rate), so a slow
// response does not shift later sends; past --concurrency in flight it waits, and the
// achieved rate in the summary says so.
import { sleep } from "../../lib/async.js";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { InvalidArgumentError, type Command } from "commander";
import { seg } from "../client.js";
import { ApiError, CliError, EXIT_API, usageError } from "../errors.js";
import { details, print } from "../output.js";
import { clientAction, clientCommand, durationMs, positiveInteger } from "./common.js";

interface SimulateFlags {
  app: string;
  eventType: string;
  rate: number;
  duration?: number;
  count?: number;
  payloadTemplate?: string;
  concurrency: number;
}

/** "50/s", "600/m", "10/h" or a bare number (per second) → messages per second. */
export function ratePerSecond(value: string): number {
  const match = /^(\d+(?:\.\d+)?)(?:\/(s|m|h))?$/.exec(value.trim());
  const per = match ? { s: 1, m: 60, h: 3600 }[(match[2] ?? "s") as "s" | "m" | "h"] : 0;
  const rate = match ? Number(match[1]) / per : 0;
  if (!(rate > 0)) throw new InvalidArgumentError("use a rate like 50/s, 600/m or 10/h");
  return rate;
}

/** Placeholders: {{seq}} (0, 1, …), {{uuid}}, {{timestamp}} (ISO). JSON-quoted where a string. */
function payloadMaker(templateFile: string | undefined): (seq: number) => Record<string, unknown> {
  if (!templateFile) return (seq) => ({ seq, sentAt: new Date().toISOString(), simulated: true });
  let template: string;
  try {
    template = readFileSync(templateFile, "utf8");
  } catch (error) {
    throw usageError(`--payload-template: ${(error as Error).message}`);
  }
  const make = (seq: number): Record<string, unknown> =>
    JSON.parse(
      template
        .replace(/\{\{seq\}\}/g, String(seq))
        .replace(/\{\{uuid\}\}/g, randomUUID())
        .replace(/\{\{timestamp\}\}/g, new Date().toISOString()),
    ) as Record<string, unknown>;
  try {
    make(0);
  } catch (error) {
    throw usageError(`--payload-template ${templateFile} is not JSON once filled in: ${(error as Error).message}`);
  }
  return make;
}

export function registerSimulateCommand(program: Command): void {
  clientCommand(program, "simulate", "publish messages at a steady rate (load tests, demos)")
    .requiredOption("--app <app>", "application to publish to")
    .requiredOption("--event-type <type>", "event type of the messages")
    .option("--rate <rate>", "messages per second, minute or hour: 50/s, 600/m", ratePerSecond, 10)
    .option("--duration <duration>", "how long to run (e.g. 30s, 5m); default 10s unless --count", durationMs)
    .option("--count <n>", "send exactly this many messages", positiveInteger)
    .option("--payload-template <file>", "JSON file with {{seq}}, {{uuid}}, {{timestamp}} placeholders")
    .option("--concurrency <n>", "most requests in flight", positiveInteger, 32)
    .addHelpText(
      "after",
      "\nExample:\n  hooklane simulate --app my-app --event-type demo.event --rate 50/s --duration 30s\n",
    )
    .action(
      clientAction<SimulateFlags>(async ({ api, opts }) => {
        const total = opts.count ?? Math.max(1, Math.round((opts.rate * (opts.duration ?? 10000)) / 1000));
        const makePayload = payloadMaker(opts.payloadTemplate);
        const intervalMs = 1000 / opts.rate;
        const progress = process.stdout.isTTY && !opts.json;
        const tally = { sent: 0, accepted: 0, rejected: 0, failed: 0 };
        const rejections = new Map<string, number>();
        let inFlight = 0;
        let slotFreed: (() => void) | undefined;
        let interrupted = false;
        const onSigint = (): void => {
          interrupted = true;
        };
        process.once("SIGINT", onSigint);

        const sendOne = async (seq: number): Promise<void> => {
          try {
            await api.request("POST", `/app/${seg(opts.app)}/msg`, {
              body: { eventType: opts.eventType, payload: makePayload(seq) },
            });
            tally.accepted++;
          } catch (error) {
            if (error instanceof ApiError) {
              tally.rejected++;
              rejections.set(error.message, (rejections.get(error.message) ?? 0) + 1);
            } else {
              tally.failed++;
              rejections.set((error as Error).message, (rejections.get((error as Error).message) ?? 0) + 1);
            }
          } finally {
            inFlight--;
            slotFreed?.();
          }
        };

        const started = performance.now();
        const pending: Promise<void>[] = [];
        let lastDraw = 0;
        for (let seq = 0; seq < total && !interrupted; seq++) {
          const wait = started + seq * intervalMs - performance.now();
          if (wait > 1) await sleep(wait);
          while (inFlight >= opts.concurrency) await new Promise<void>((resolve) => (slotFreed = resolve));
          inFlight++;
          tally.sent++;
          pending.push(sendOne(seq));
          if (progress && performance.now() - lastDraw > 100) {
            lastDraw = performance.now();
            const pct = Math.floor((100 * tally.sent) / total);
            process.stdout.write(
              `\r${pct}%  sent ${tally.sent}/${total}  accepted ${tally.accepted}  rejected ${tally.rejected + tally.failed}  `,
            );
          }
        }
        await Promise.all(pending);
        process.off("SIGINT", onSigint);
        if (progress) process.stdout.write("\r\x1b[K");
        const elapsedMs = performance.now() - started;
        const summary = {
          ...tally,
          targetRatePerSecond: Math.round(opts.rate * 100) / 100,
          achievedRatePerSecond: Math.round((tally.sent / (elapsedMs / 1000)) * 100) / 100,
          elapsedMs: Math.round(elapsedMs),
          interrupted,
          problems: Object.fromEntries(rejections),
        };
        print(opts, summary, () =>
          details({ ...summary, problems: rejections.size > 0 ? summary.problems : undefined }),
        );
        if (tally.rejected + tally.failed > 0)
          throw new CliError(`${tally.rejected + tally.failed} messages were not accepted`, EXIT_API);
      }),
    );
}
