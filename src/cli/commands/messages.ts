// `hooklane message …` and `hooklane send`: publish (to an application or one URL), read and
// resend messages.
import type { Command } from "commander";
import { seg } from "../client.js";
import { usageError } from "../errors.js";
import { details, print, printList, type Column } from "../output.js";
import {
  clientAction,
  clientCommand,
  commaList,
  jsonObject,
  pagingQuery,
  pointInTime,
  withPaging,
  type ClientContext,
  type PagingFlags,
} from "./common.js";

interface MessageOut {
  id: string;
  eventType: string;
  eventId?: string | null;
  channels?: string[] | null;
  payload: Record<string, unknown>;
  timestamp: string;
}

interface DestinationOut {
  id: string;
  url: string;
  statusText: string;
  nextAttempt?: string | null;
}

const columns: Column<MessageOut>[] = [
  ["id", (m) => m.id],
  ["event type", (m) => m.eventType],
  ["event id", (m) => m.eventId],
  ["timestamp", (m) => m.timestamp],
];

interface SendFlags {
  data: Record<string, unknown>;
  eventId?: string;
  channels?: string[];
  tags?: string[];
  deliverAt?: string;
}

function withSendFlags(command: Command): Command {
  return command
    .requiredOption("-d, --data <json>", "payload: a JSON object, inline or @file", jsonObject)
    .option("--event-id <id>", "your idempotency id for this event (duplicates are refused)")
    .option("--channels <list>", "comma-separated channels", commaList)
    .option("--tags <list>", "comma-separated tags", commaList)
    .option("--deliver-at <time>", "deliver no earlier than this ISO time", pointInTime);
}

async function publish({ api, opts }: ClientContext<SendFlags>, app: string, eventType: string): Promise<void> {
  const body = {
    eventType,
    payload: opts.data,
    eventId: opts.eventId,
    channels: opts.channels,
    tags: opts.tags,
    deliverAt: opts.deliverAt,
  };
  const message = await api.request<MessageOut>("POST", `/app/${seg(app)}/msg`, { body });
  print(opts, message, () => `sent ${message.id} (${message.eventType})\n`);
}

const sendAction = clientAction<SendFlags>((ctx, app, eventType) => publish(ctx, app!, eventType!));

interface DirectSendFlags extends SendFlags {
  url?: string;
  eventType?: string;
}

/** Flags that only one form of `send` understands, to name them when given to the other. */
const APP_ONLY_FLAGS = [
  ["channels", "--channels"],
  ["tags", "--tags"],
  ["deliverAt", "--deliver-at"],
] as const;

/**
 * `send <app> <event-type>` publishes to an application; `send --url URL` sends straight to
 * one URL through POST /api/v1/send (stored, signed and retried like any message).
 */
const sendOrDirectAction = clientAction<DirectSendFlags>(async (ctx, app, eventType) => {
  const { api, opts } = ctx;
  if (opts.url === undefined) {
    if (opts.eventType !== undefined) throw usageError("--event-type goes with --url; otherwise pass <event-type>");
    if (app === undefined || eventType === undefined)
      throw usageError("send needs <app> <event-type>, or --url URL to send straight to a URL");
    return publish(ctx, app, eventType);
  }
  if (app !== undefined) throw usageError("send --url takes no <app> or <event-type> (use --event-type)");
  for (const [key, flag] of APP_ONLY_FLAGS) {
    if (opts[key] !== undefined) throw usageError(`${flag} does not apply to a direct send (--url)`);
  }
  const body = { url: opts.url, payload: opts.data, eventType: opts.eventType, eventId: opts.eventId };
  const message = await api.request<MessageOut>("POST", "/send", { body });
  print(opts, message, () => `sent ${message.id} to ${opts.url}\n`);
});

export function registerMessageCommands(program: Command): void {
  withSendFlags(
    clientCommand(program, "send [app] [event-type]", "publish a message to an application's endpoints, or to one URL"),
  )
    .option("--url <url>", "send straight to this URL instead of an application's endpoints")
    .option("--event-type <type>", "with --url: the message's event type (default: direct)")
    .addHelpText(
      "after",
      `\nExamples:\n  hooklane send app_123 invoice.paid --data '{"id": "in_1", "amount": 42}'\n` +
        `  hooklane send --url https://example.com/hook --event-type invoice.paid --data '{"id": "in_1"}'\n`,
    )
    .action(sendOrDirectAction);

  const group = program.command("message").description("publish, list and resend messages");

  withSendFlags(
    clientCommand(group, "create <app> <event-type>", "publish a message (same as `hooklane send`)"),
  ).action(sendAction);

  withPaging(clientCommand(group, "list <app>", "list an application's messages, newest first"))
    .option("--event-types <list>", "only these event types (comma-separated)", commaList)
    .option("--channel <channel>", "only this channel")
    .option("--before <time>", "created before (ISO time or age)", pointInTime)
    .option("--after <time>", "created after (ISO time or age)", pointInTime)
    .action(
      clientAction<PagingFlags & { eventTypes?: string[]; channel?: string; before?: string; after?: string }>(
        async ({ api, opts }, app) => {
          const query = {
            ...pagingQuery(opts),
            event_types: opts.eventTypes,
            channel: opts.channel,
            before: opts.before,
            after: opts.after,
          };
          printList(opts, await api.list<MessageOut>(`/app/${seg(app!)}/msg`, query, !!opts.all), columns);
        },
      ),
    );

  clientCommand(group, "get <app> <message>", "show one message with its payload").action(
    clientAction(async ({ api, opts }, app, msg) => {
      const found = await api.get<MessageOut>(`/app/${seg(app!)}/msg/${seg(msg!)}`);
      print(
        opts,
        found,
        () => details({ ...found, payload: undefined }) + JSON.stringify(found.payload, null, 2) + "\n",
      );
    }),
  );

  withPaging(
    clientCommand(group, "destinations <app> <message>", "where a message goes and its status per endpoint"),
  ).action(
    clientAction<PagingFlags>(async ({ api, opts }, app, msg) => {
      const page = await api.list<DestinationOut>(
        `/app/${seg(app!)}/msg/${seg(msg!)}/endpoint`,
        pagingQuery(opts),
        !!opts.all,
      );
      printList(opts, page, [
        ["endpoint", (d) => d.id],
        ["url", (d) => d.url],
        ["status", (d) => d.statusText],
        ["next attempt", (d) => d.nextAttempt],
      ]);
    }),
  );

  clientCommand(group, "resend <app> <message> <endpoint>", "deliver a message to an endpoint again").action(
    clientAction(async ({ api, opts }, app, msg, ep) => {
      await api.request("POST", `/app/${seg(app!)}/msg/${seg(msg!)}/endpoint/${seg(ep!)}/resend`);
      print(opts, { resent: msg, endpoint: ep }, () => `resend of ${msg} to ${ep} queued\n`);
    }),
  );
}
