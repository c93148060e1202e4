// The CLI's HTTP client for a running Hooklane: bearer auth, JSON in and out, API errors as
// ApiError, list pagination. Plain fetch (undici, built into Node 20) rather than the svix
// SDK: it keeps svix out of runtime dependencies, covers our extensions (recover, stats)
// without casts, and hands us the server's own {code, detail} to print.
import { clientSettings } from "../config/client.js";
import { ApiError, CliError, EXIT_API, usageError } from "./errors.js";

export interface ClientFlags {
  server?: string;
  token?: string;
}

export interface ListPage<T> {
  data: T[];
  iterator: string | null;
  prevIterator?: string | null;
  done: boolean;
}

export type Query = Record<string, string | number | boolean | string[] | undefined>;

export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly token: string,
  ) {}

  static fromFlags(flags: ClientFlags): ApiClient {
    const settings = clientSettings(flags);
    if (!settings.token) {
      throw usageError("no API token: pass --token or set HOOKLANE_TOKEN (the admin token `serve` printed)");
    }
    try {
      new URL(settings.url);
    } catch {
      throw usageError(`invalid server URL "${settings.url}" (--server or HOOKLANE_URL)`);
    }
    return new ApiClient(settings.url, settings.token);
  }

  async request<T>(method: string, path: string, options: { body?: unknown; query?: Query } = {}): Promise<T> {
    const url = new URL(this.baseUrl + "/api/v1" + path);
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value === undefined) continue;
      // Svix list filters repeat the key: ?event_types=a&event_types=b.
      for (const item of Array.isArray(value) ? value : [value]) url.searchParams.append(key, String(item));
    }
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          accept: "application/json",
          ...(options.body !== undefined ? { "content-type": "application/json" } : {}),
        },
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new CliError(
        `cannot reach hooklane at ${this.baseUrl}: ${cause?.code ?? cause?.message ?? error}`,
        EXIT_API,
      );
    }
    const text = await response.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      // Not JSON (a proxy's error page): keep the text for the message.
    }
    if (!response.ok) throw new ApiError(response.status, body);
    return body as T;
  }

  get<T>(path: string, query?: Query): Promise<T> {
    return this.request<T>("GET", path, { query });
  }

  /** One page, or every page when `all` (following the iterator until done). */
  async list<T>(path: string, query: Query, all: boolean): Promise<ListPage<T>> {
    const first = await this.get<ListPage<T>>(path, query);
    if (!all) return first;
    const data = [...first.data];
    let page = first;
    while (!page.done && page.iterator) {
      page = await this.get<ListPage<T>>(path, { ...query, iterator: page.iterator });
      data.push(...page.data);
    }
    return { data, iterator: null, done: true };
  }
}

/** Path segment: ids and uids are URL-safe, but names typed by hand may not be. */
export const seg = (value: string): string => encodeURIComponent(value);
