// `hooklane event-type …`: the catalogue of event types endpoints can subscribe to.
import type { Command } from "commander";
import { seg } from "../client.js";
import { details, print, printList, type Column } from "../output.js";
import { clientAction, clientCommand, jsonObject, pagingQuery, withPaging, type PagingFlags } from "./common.js";

interface EventTypeOut {
  name: string;
  description: string;
  archived: boolean;
  deprecated: boolean;
  schemas?: Record<string, unknown> | null;
  createdAt: string;
}

const columns: Column<EventTypeOut>[] = [
  ["name", (t) => t.name],
  ["description", (t) => t.description],
  ["archived", (t) => t.archived],
  ["deprecated", (t) => t.deprecated],
];

interface EventTypeFlags {
  description?: string;
  schema?: Record<string, unknown>;
  archived?: boolean;
  deprecated?: boolean;
}

/** The API keys schemas by version; a plain JSON Schema given on the command line is version 1. */
const schemas = (schema: Record<string, unknown> | undefined) => (schema ? { "1": schema } : undefined);

export function registerEventTypeCommands(program: Command): void {
  const group = program.command("event-type").description("manage event types (e.g. invoice.paid)");

  clientCommand(group, "create <name>", "create an event type")
    .option("--description <text>", "what the event means", "")
    .option("--schema <json>", "JSON Schema of the payload (inline or @file), stored as version 1", jsonObject)
    .action(
      clientAction<EventTypeFlags>(async ({ api, opts }, name) => {
        const body = { name, description: opts.description ?? "", schemas: schemas(opts.schema) };
        const created = await api.request<EventTypeOut>("POST", "/event-type", { body });
        print(opts, created, () => details({ ...created }));
      }),
    );

  withPaging(clientCommand(group, "list", "list event types"))
    .option("--include-archived", "also list archived types")
    .action(
      clientAction<PagingFlags & { includeArchived?: boolean }>(async ({ api, opts }) => {
        const query = { ...pagingQuery(opts), include_archived: opts.includeArchived };
        printList(opts, await api.list<EventTypeOut>("/event-type", query, !!opts.all), columns);
      }),
    );

  clientCommand(group, "get <name>", "show one event type").action(
    clientAction(async ({ api, opts }, name) => {
      const found = await api.get<EventTypeOut>(`/event-type/${seg(name!)}`);
      print(opts, found, () => details({ ...found }));
    }),
  );

  clientCommand(group, "update <name>", "change an event type")
    .option("--description <text>", "new description")
    .option("--schema <json>", "replace the schema (inline JSON or @file)", jsonObject)
    .option("--archived <bool>", "archive (true) or restore (false)", (v) => v === "true")
    .option("--deprecated <bool>", "mark deprecated (true) or not (false)", (v) => v === "true")
    .action(
      clientAction<EventTypeFlags>(async ({ api, opts }, name) => {
        const body = {
          description: opts.description,
          schemas: schemas(opts.schema),
          archived: opts.archived,
          deprecated: opts.deprecated,
        };
        const updated = await api.request<EventTypeOut>("PATCH", `/event-type/${seg(name!)}`, { body });
        print(opts, updated, () => details({ ...updated }));
      }),
    );

  clientCommand(group, "delete <name>", "archive an event type (remove it with --expunge)")
    .option("--expunge", "remove it for good instead of archiving")
    .action(
      clientAction<{ expunge?: boolean }>(async ({ api, opts }, name) => {
        await api.request("DELETE", `/event-type/${seg(name!)}`, { query: { expunge: opts.expunge } });
        const done = opts.expunge ? "removed" : "archived";
        print(opts, { [done]: name }, () => `${done} event type ${name}\n`);
      }),
    );
}
