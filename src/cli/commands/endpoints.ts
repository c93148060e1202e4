// `hooklane endpoint …`: endpoints of an application, their secrets, stats and recovery.
import type { Command } from "commander";
import { seg } from "../client.js";
import { details, print, printList, type Column } from "../output.js";
import {
  clientAction,
  clientCommand,
  commaList,
  jsonObject,
  pagingQuery,
  pointInTime,
  positiveInteger,
  withPaging,
  type PagingFlags,
} from "./common.js";

interface EndpointOut {
  id: string;
  uid?: string | null;
  url: string;
  description: string;
  disabled: boolean;
  filterTypes?: string[] | null;
  channels?: string[] | null;
  createdAt: string;
}

const columns: Column<EndpointOut>[] = [
  ["id", (e) => e.id],
  ["url", (e) => e.url],
  ["disabled", (e) => e.disabled],
  ["event types", (e) => e.filterTypes ?? "*"],
  ["description", (e) => e.description],
];

interface EndpointFlags {
  /** `update` only: the new URL (`create` takes it as an argument). */
  url?: string;
  uid?: string;
  description?: string;
  eventTypes?: string[];
  channels?: string[];
  secret?: string;
  disabled?: boolean;
  metadata?: Record<string, unknown>;
}

const fields = (o: EndpointFlags) => ({
  uid: o.uid,
  description: o.description,
  filterTypes: o.eventTypes,
  channels: o.channels,
  disabled: o.disabled,
  metadata: o.metadata,
});

function withEndpointFlags(command: Command): Command {
  return command
    .option("--uid <uid>", "your own identifier")
    .option("--description <text>", "description")
    .option("--event-types <list>", "comma-separated event types it receives (default: all)", commaList)
    .option("--channels <list>", "comma-separated channels it receives", commaList)
    .option("--metadata <json>", "metadata object (inline JSON or @file)", jsonObject);
}

export function registerEndpointCommands(program: Command): void {
  const group = program.command("endpoint").description("manage an application's endpoints (where webhooks go)");

  withEndpointFlags(clientCommand(group, "create <app> <url>", "add an endpoint to an application"))
    .option("--secret <whsec>", "signing secret (default: a new random one)")
    .option("--disabled", "create it disabled")
    .action(
      clientAction<EndpointFlags>(async ({ api, opts }, app, url) => {
        const body = { url, secret: opts.secret, ...fields(opts) };
        const created = await api.request<EndpointOut>("POST", `/app/${seg(app!)}/endpoint`, { body });
        print(opts, created, () => details({ ...created }));
      }),
    );

  withPaging(clientCommand(group, "list <app>", "list an application's endpoints")).action(
    clientAction<PagingFlags>(async ({ api, opts }, app) => {
      printList(
        opts,
        await api.list<EndpointOut>(`/app/${seg(app!)}/endpoint`, pagingQuery(opts), !!opts.all),
        columns,
      );
    }),
  );

  clientCommand(group, "get <app> <endpoint>", "show one endpoint").action(
    clientAction(async ({ api, opts }, app, ep) => {
      const found = await api.get<EndpointOut>(`/app/${seg(app!)}/endpoint/${seg(ep!)}`);
      print(opts, found, () => details({ ...found }));
    }),
  );

  withEndpointFlags(clientCommand(group, "update <app> <endpoint>", "change an endpoint (only the flags given)"))
    .option("--url <url>", "the endpoint's new URL")
    .option("--disable", "stop deliveries to it")
    .option("--enable", "resume deliveries to it")
    .action(
      clientAction<EndpointFlags & { disable?: boolean; enable?: boolean }>(async ({ api, opts }, app, ep) => {
        const body = {
          ...fields(opts),
          url: opts.url,
          disabled: opts.disable ? true : opts.enable ? false : undefined,
        };
        const updated = await api.request<EndpointOut>("PATCH", `/app/${seg(app!)}/endpoint/${seg(ep!)}`, { body });
        print(opts, updated, () => details({ ...updated }));
      }),
    );

  clientCommand(group, "delete <app> <endpoint>", "delete an endpoint").action(
    clientAction(async ({ api, opts }, app, ep) => {
      await api.request("DELETE", `/app/${seg(app!)}/endpoint/${seg(ep!)}`);
      print(opts, { deleted: ep }, () => `deleted endpoint ${ep}\n`);
    }),
  );

  clientCommand(group, "secret <app> <endpoint>", "print the endpoint's current signing secret").action(
    clientAction(async ({ api, opts }, app, ep) => {
      const secret = await api.get<{ key: string }>(`/app/${seg(app!)}/endpoint/${seg(ep!)}/secret`);
      print(opts, secret, () => `${secret.key}\n`);
    }),
  );

  clientCommand(
    group,
    "rotate-secret <app> <endpoint>",
    "replace the signing secret; the old one signs too during a grace period",
  )
    .option("--key <whsec>", "the new secret (default: a new random one)")
    .option("--grace-seconds <n>", "how long the old secret keeps signing (server default 86400)", (v) =>
      v === "0" ? 0 : positiveInteger(v),
    )
    .action(
      clientAction<{ key?: string; graceSeconds?: number }>(async ({ api, opts }, app, ep) => {
        const path = `/app/${seg(app!)}/endpoint/${seg(ep!)}`;
        await api.request("POST", `${path}/secret/rotate`, {
          body: { key: opts.key, gracePeriodSeconds: opts.graceSeconds },
        });
        const secret = await api.get<{ key: string }>(`${path}/secret`);
        print(opts, secret, () => `rotated; new secret:\n${secret.key}\n`);
      }),
    );

  clientCommand(group, "recover <app> <endpoint>", "queue the endpoint's failed deliveries again")
    .requiredOption("--since <time>", "from this ISO time or age (e.g. 2h)", pointInTime)
    .option("--until <time>", "up to this ISO time or age (default now)", pointInTime)
    .action(
      clientAction<{ since: string; until?: string }>(async ({ api, opts }, app, ep) => {
        const body = { since: opts.since, until: opts.until };
        const task = await api.request<Record<string, unknown>>(
          "POST",
          `/app/${seg(app!)}/endpoint/${seg(ep!)}/recover`,
          { body },
        );
        print(opts, task, () => `recovery queued failed deliveries since ${opts.since} (task ${String(task.id)})\n`);
      }),
    );

  clientCommand(group, "stats <app> <endpoint>", "delivery counts by status")
    .option("--since <time>", "from this ISO time or age (e.g. 24h)", pointInTime)
    .option("--until <time>", "up to this ISO time or age", pointInTime)
    .action(
      clientAction<{ since?: string; until?: string }>(async ({ api, opts }, app, ep) => {
        const stats = await api.get<Record<string, number>>(`/app/${seg(app!)}/endpoint/${seg(ep!)}/stats`, {
          since: opts.since,
          until: opts.until,
        });
        print(opts, stats, () => details(stats));
      }),
    );
}
