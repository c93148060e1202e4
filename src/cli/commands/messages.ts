// `hooklane message …` and `hooklane send`: publish, read and resend messages.
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
  withPaging,
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

const sendAction = clientAction<SendFlags>(async ({ api, opts }, app, eventType) => {
  const body = {
    eventType,
    payload: opts.data,
    eventId: opts.eventId,
    channels: opts.channels,
    tags: opts.tags,
    deliverAt: opts.deliverAt,
  };
  const message = await api.request<MessageOut>("POST", `/app/${seg(app!)}/msg`, { body });
  print(opts, message, () => `sent ${message.id} (${message.eventType})\n`);
});

export function registerMessageCommands(program: Command): void {
  withSendFlags(clientCommand(program, "send <app> <event-type>", "publish a message to an application's endpoints"))
    .addHelpText("after", `\nExample:\n  hooklane send app_123 invoice.paid --data '{"id": "in_1", "amount": 42}'\n`)
    .action(sendAction);

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
