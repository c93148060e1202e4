// CLI failures and the exit code each one means: 1 the server said no (or could not be
// reached), 2 the command line or local configuration is wrong.

export const EXIT_OK = 0;
export const EXIT_API = 1;
export const EXIT_USAGE = 2;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = "CliError";
  }
}

export const usageError = (message: string): CliError => new CliError(message, EXIT_USAGE);

/** A non-2xx answer; `body` is the server's JSON (`{code, detail}` or Svix's 422 shape). */
export class ApiError extends CliError {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(describeApiError(status, body), EXIT_API);
    this.name = "ApiError";
  }
}

interface ValidationItem {
  loc?: (string | number)[];
  msg?: string;
}

/** "422 invalid body.url: must match format "uri"" or "404 not_found: Application not found". */
export function describeApiError(status: number, body: unknown): string {
  const b = (body ?? {}) as { code?: unknown; detail?: unknown };
  if (Array.isArray(b.detail)) {
    const items = (b.detail as ValidationItem[]).map((d) => `${(d.loc ?? []).join(".")}: ${d.msg ?? "invalid"}`);
    return `${status} invalid ${items.join("; ")}`;
  }
  if (typeof b.code === "string" || typeof b.detail === "string") {
    return `${status} ${String(b.code ?? "error")}: ${String(b.detail ?? "")}`.trim();
  }
  return `${status} ${typeof body === "string" && body ? body : "error"}`;
}
