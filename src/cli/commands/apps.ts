// `hooklane app …`: create, list, get, update and delete applications.
import type { Command } from "commander";
import { seg } from "../client.js";
import { details, print, printList, type Column } from "../output.js";
import { clientAction, clientCommand, jsonObject, pagingQuery, withPaging, type PagingFlags } from "./common.js";

interface AppOut {
  id: string;
  uid?: string | null;
  name: string;
  metadata: Record<string, string>;
  createdAt: string;
}

const columns: Column<AppOut>[] = [
  ["id", (a) => a.id],
  ["uid", (a) => a.uid],
  ["name", (a) => a.name],
  ["created", (a) => a.createdAt],
];

interface AppFlags {
  name?: string;
  uid?: string;
  metadata?: Record<string, unknown>;
  rateLimit?: number;
}

export function registerAppCommands(program: Command): void {
  const app = program.command("app").description("manage applications (one per customer you send webhooks to)");

  clientCommand(app, "create <name>", "create an application")
    .option("--uid <uid>", "your own identifier, usable wherever the id is")
    .option("--metadata <json>", "metadata object, inline JSON or @file", jsonObject)
    .action(
      clientAction<AppFlags>(async ({ api, opts }, name) => {
        const body = { name, uid: opts.uid, metadata: opts.metadata };
        const created = await api.request<AppOut>("POST", "/app", { body });
        print(opts, created, () => details({ ...created }));
      }),
    );

  withPaging(clientCommand(app, "list", "list applications")).action(
    clientAction<PagingFlags>(async ({ api, opts }) => {
      printList(opts, await api.list<AppOut>("/app", pagingQuery(opts), !!opts.all), columns);
    }),
  );

  clientCommand(app, "get <app>", "show one application (id or uid)").action(
    clientAction(async ({ api, opts }, id) => {
      const found = await api.get<AppOut>(`/app/${seg(id!)}`);
      print(opts, found, () => details({ ...found }));
    }),
  );

  clientCommand(app, "update <app>", "change an application's name, uid or metadata")
    .option("--name <name>", "new name")
    .option("--uid <uid>", "new uid")
    .option("--metadata <json>", "replace metadata (inline JSON or @file)", jsonObject)
    .action(
      clientAction<AppFlags>(async ({ api, opts }, id) => {
        const body = { name: opts.name, uid: opts.uid, metadata: opts.metadata };
        const updated = await api.request<AppOut>("PATCH", `/app/${seg(id!)}`, { body });
        print(opts, updated, () => details({ ...updated }));
      }),
    );

  clientCommand(app, "delete <app>", "delete an application with its endpoints and messages").action(
    clientAction(async ({ api, opts }, id) => {
      await api.request("DELETE", `/app/${seg(id!)}`);
      print(opts, { deleted: id }, () => `deleted application ${id}\n`);
    }),
  );
}
