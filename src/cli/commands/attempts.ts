// `hooklane attempt …`: the HTTP requests made for deliveries, by message or by endpoint.
import { Option, type Command } from "commander";
import { seg } from "../client.js";
import { usageError } from "../errors.js";
import { details, print, printList, type Column } from "../output.js";
import { clientAction, clientCommand, pagingQuery, withPaging, type PagingFlags } from "./common.js";

export interface AttemptOut {
  id: string;
  msgId: string;
  endpointId: string;
  url: string;
  response: string;
  responseStatusCode: number;
  responseDurationMs: number;
  statusText: string;
  triggerType: number;
  timestamp: string;
}

export const attemptColumns: Column<AttemptOut>[] = [
  ["timestamp", (a) => a.timestamp],
  ["status", (a) => a.statusText],
  ["code", (a) => a.responseStatusCode],
  ["ms", (a) => a.responseDurationMs],
  ["message", (a) => a.msgId],
  ["endpoint", (a) => a.endpointId],
  ["attempt", (a) => a.id],
];

const STATUS_CODES: Record<string, number> = { success: 0, pending: 1, fail: 2, sending: 3 };

interface AttemptListFlags extends PagingFlags {
  msg?: string;
  endpoint?: string;
  status?: string;
}

export function registerAttemptCommands(program: Command): void {
  const group = program.command("attempt").description("inspect delivery attempts (requests made and their responses)");

  withPaging(clientCommand(group, "list <app>", "list attempts of a message (--msg) or an endpoint (--endpoint)"))
    .option("--msg <message>", "attempts for this message")
    .option("--endpoint <endpoint>", "attempts to this endpoint (with --msg: both)")
    .addOption(new Option("--status <status>", "only this outcome").choices(Object.keys(STATUS_CODES)))
    .action(
      clientAction<AttemptListFlags>(async ({ api, opts }, app) => {
        const query = {
          ...pagingQuery(opts),
          status: opts.status === undefined ? undefined : STATUS_CODES[opts.status],
          with_content: false,
        };
        let path: string;
        if (opts.msg) {
          path = `/app/${seg(app!)}/attempt/msg/${seg(opts.msg)}`;
          Object.assign(query, { endpoint_id: opts.endpoint });
        } else if (opts.endpoint) {
          path = `/app/${seg(app!)}/attempt/endpoint/${seg(opts.endpoint)}`;
        } else {
          throw usageError("attempt list needs --msg <message> or --endpoint <endpoint>");
        }
        printList(opts, await api.list<AttemptOut>(path, query, !!opts.all), attemptColumns);
      }),
    );

  clientCommand(group, "get <app> <message> <attempt>", "show one attempt with the response body").action(
    clientAction(async ({ api, opts }, app, msg, attempt) => {
      const found = await api.get<AttemptOut>(`/app/${seg(app!)}/msg/${seg(msg!)}/attempt/${seg(attempt!)}`);
      print(opts, found, () => details({ ...found, msg: undefined }));
    }),
  );
}
