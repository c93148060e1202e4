// Internal error kinds. They say what went wrong in domain terms; api/errors.ts alone maps
// them to HTTP, so lower layers never know about status codes.

export type ErrorKind = "not_found" | "conflict" | "validation" | "unauthorized" | "forbidden" | "unavailable";

export class HooklaneError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    /** For validation errors: the path of the offending field, e.g. ["body", "url"]. */
    readonly location?: readonly (string | number)[],
  ) {
    super(message);
    this.name = "HooklaneError";
  }
}

export const notFound = (what: string): HooklaneError => new HooklaneError("not_found", `${what} not found`);

export const conflict = (message: string): HooklaneError => new HooklaneError("conflict", message);

export const invalid = (location: readonly (string | number)[], message: string): HooklaneError =>
  new HooklaneError("validation", message, location);

export const unauthorized = (message = "Invalid or missing authentication token"): HooklaneError =>
  new HooklaneError("unauthorized", message);

export const forbidden = (message = "This token may not access this resource"): HooklaneError =>
  new HooklaneError("forbidden", message);

export const unavailable = (message: string): HooklaneError => new HooklaneError("unavailable", message);

/** Thrown where the type system says a case cannot happen. */
export function assertNever(value: never): never {
  throw new Error(`unexpected value: ${String(value)}`);
}
