// Shared pieces of the client commands: the --server/--token/--json flags, the action wrapper
// that builds the API client, and parsers for JSON, lists and times given on the command line.
import { readFileSync } from "node:fs";
import { Command, InvalidArgumentError } from "commander";
import { ApiClient, type ClientFlags } from "../client.js";
import type { OutputFlags } from "../output.js";

export type CommonClientFlags = ClientFlags & OutputFlags;

export interface ClientContext<O> {
  api: ApiClient;
  opts: O & CommonClientFlags;
}

/** A subcommand that talks to a running server. */
export function clientCommand(parent: Command, nameAndArgs: string, description: string): Command {
  return (
    parent
      .command(nameAndArgs)
      .description(description)
      // --server, not --url: as in the svix and stripe CLIs, --url names a webhook destination
      // (`send --url`, `endpoint update --url`), never the API being talked to.
      .option("--server <url>", "Hooklane server base URL (also HOOKLANE_URL; default http://127.0.0.1:8071)")
      .option("--token <token>", "API token (also HOOKLANE_TOKEN or HOOKLANE_ADMIN_TOKEN)")
      .option("--json", "print the API's JSON answer instead of a table")
  );
}

/** Commander calls actions with (...arguments, options, command); this hands over a client. */
export function clientAction<O = object>(
  fn: (ctx: ClientContext<O>, ...args: string[]) => Promise<void>,
): (...params: unknown[]) => Promise<void> {
  return async (...params) => {
    const command = params[params.length - 1] as Command;
    const opts = command.opts() as O & CommonClientFlags;
    const args = params.slice(0, command.registeredArguments.length) as string[];
    await fn({ api: ApiClient.fromFlags(opts), opts }, ...args);
  };
}

/** A JSON object given inline, or `@file` to read it from a file. */
export function jsonObject(value: string): Record<string, unknown> {
  let text = value;
  if (value.startsWith("@")) {
    try {
      text = readFileSync(value.slice(1), "utf8");
    } catch (error) {
      throw new InvalidArgumentError(`cannot read ${value.slice(1)}: ${(error as Error).message}`);
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new InvalidArgumentError(`not valid JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new InvalidArgumentError("must be a JSON object");
  }
  return parsed as Record<string, unknown>;
}

export function commaList(value: string): string[] {
  return value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

export function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("must be a positive integer");
  return n;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60000, h: 3600000, d: 86400000 };

/** "30s", "2m", "1500ms", "1h" → milliseconds. */
export function durationMs(value: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(value.trim());
  if (!match) throw new InvalidArgumentError("use a duration like 500ms, 30s, 2m, 1h or 7d");
  return Number(match[1]) * UNIT_MS[match[2]!]!;
}

/** An ISO date-time, or a duration meaning "that long ago" (`--since 2h`). */
export function pointInTime(value: string): string {
  if (/^\d+(?:\.\d+)?(ms|s|m|h|d)$/.test(value.trim())) return new Date(Date.now() - durationMs(value)).toISOString();
  const parsed = Date.parse(value);
  if (Number.isNaN(parsed))
    throw new InvalidArgumentError("use an ISO date-time (2026-01-31T12:00:00Z) or an age like 2h");
  return new Date(parsed).toISOString();
}

/** Paging flags shared by every list command. */
export function withPaging(command: Command): Command {
  return command
    .option("--limit <n>", "items per page (API default 50)", positiveInteger)
    .option("--iterator <iterator>", "continue from a previous page")
    .option("--all", "follow the iterator through every page");
}

export interface PagingFlags {
  limit?: number;
  iterator?: string;
  all?: boolean;
}

export const pagingQuery = (o: PagingFlags): { limit?: number; iterator?: string } => ({
  limit: o.limit,
  iterator: o.iterator,
});
