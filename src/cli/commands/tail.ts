// `hooklane tail`: live delivery attempts from a running server, by polling the attempts API
// per endpoint. Polling rather than a server-side stream: it works against any deployment
// (`--role api` processes run no worker, so they see no attempts in memory, and several
// workers share one database), needs no new server surface, and the API is already
// authorised per app. The cost: up to --interval of delay, one request per endpoint per
// poll, and above 100 new attempts per endpoint per interval the oldest extras are skipped.
import { sleep } from "../../lib/async.js";
import type { Command } from "commander";
import type { ApiClient } from "../client.js";
import { seg } from "../client.js";
import { usageError } from "../errors.js";
import { clientAction, clientCommand, durationMs, positiveInteger } from "./common.js";
import type { AttemptOut } from "./attempts.js";

interface TailFlags {
  app?: string;
  endpoint?: string;
  interval: number;
  since?: number;
  count?: number;
}

interface Target {
  app: string;
  endpoint: string;
}

const PAGE = 100;
/** Re-list endpoints every this many polls, to pick up new ones. */
const REFRESH_EVERY = 10;
const SEEN_PER_ENDPOINT = 2000;

async function targets(api: ApiClient, flags: TailFlags): Promise<Target[]> {
  if (flags.endpoint) return [{ app: flags.app!, endpoint: flags.endpoint }];
  const apps = flags.app
    ? [flags.app]
    : (await api.list<{ id: string }>("/app", { limit: 250 }, true)).data.map((a) => a.id);
  const found: Target[] = [];
  for (const app of apps) {
    const endpoints = await api.list<{ id: string }>(`/app/${seg(app)}/endpoint`, { limit: 250 }, true);
    for (const e of endpoints.data) found.push({ app, endpoint: e.id });
  }
  return found;
}

const humanLine = (app: string, a: AttemptOut): string =>
  [
    a.timestamp,
    a.statusText.padEnd(7),
    String(a.responseStatusCode).padStart(3),
    `${a.responseDurationMs} ms`.padStart(8),
    app,
    a.endpointId,
    a.msgId,
    a.url,
  ].join("  ") + "\n";

export function registerTailCommand(program: Command): void {
  clientCommand(program, "tail", "follow delivery attempts as they happen (polls the API)")
    .option("--app <app>", "only this application (default: all)")
    .option("--endpoint <endpoint>", "only this endpoint (needs --app)")
    .option("--interval <duration>", "how often to poll", durationMs, 1000)
    .option("--since <duration>", "also show attempts from this long ago (e.g. 10m)", durationMs)
    .option("--count <n>", "exit after printing this many attempts", positiveInteger)
    .addHelpText("after", "\nExample:\n  hooklane tail --app my-app --json | jq .statusText\n")
    .action(
      clientAction<TailFlags>(async ({ api, opts }) => {
        if (opts.endpoint && !opts.app) throw usageError("--endpoint needs --app");
        // Client clock: a few seconds of skew to the server only shifts which old attempts show.
        const startedAt = Date.now() - (opts.since ?? 0);
        const seen = new Map<string, Set<string>>();
        let printed = 0;
        let scope: Target[] = [];
        for (let poll = 0; ; poll++) {
          if (poll % REFRESH_EVERY === 0) scope = await targets(api, opts);
          // On stderr, so stdout stays one record per line for scripts.
          if (poll === 0) process.stderr.write(`following ${scope.length} endpoint(s); Ctrl-C to stop\n`);
          for (const { app, endpoint } of scope) {
            const page = await api.get<{ data: AttemptOut[] }>(`/app/${seg(app)}/attempt/endpoint/${seg(endpoint)}`, {
              limit: PAGE,
              with_content: false,
            });
            const known = seen.get(endpoint) ?? new Set<string>();
            seen.set(endpoint, known);
            const fresh = page.data
              .filter((a) => !known.has(a.id) && Date.parse(a.timestamp) >= startedAt)
              .sort((a, b) => (a.id < b.id ? -1 : 1));
            for (const attempt of page.data) known.add(attempt.id);
            // Forget the oldest ids; anything that old has left the newest page anyway.
            if (known.size > SEEN_PER_ENDPOINT)
              for (const id of [...known].slice(0, known.size - SEEN_PER_ENDPOINT)) known.delete(id);
            for (const attempt of fresh) {
              process.stdout.write(opts.json ? JSON.stringify({ app, ...attempt }) + "\n" : humanLine(app, attempt));
              if (opts.count !== undefined && ++printed >= opts.count) return;
            }
          }
          await sleep(opts.interval);
        }
      }),
    );
}
