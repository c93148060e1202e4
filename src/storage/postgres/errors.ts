// Tells "the database is unreachable" apart from every other driver error, so the API can
// answer 503 with our own words (never the driver's text) and the worker can wait it out.
import { HooklaneError, unavailable } from "../../lib/errors.js";

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
]);

/** SQLSTATEs meaning the server went away or will not take us right now. */
function isUnavailableSqlState(code: string): boolean {
  return (
    code.startsWith("08") || // connection_exception class
    code === "57P01" || // admin_shutdown (also pg_terminate_backend)
    code === "57P02" || // crash_shutdown
    code === "57P03" || // cannot_connect_now (starting up, shutting down, recovering)
    code === "53300" // too_many_connections
  );
}

/** True when the error says the connection failed or was lost, not that the statement was wrong. */
export function isConnectionError(error: unknown): boolean {
  if (error instanceof HooklaneError) return error.kind === "unavailable";
  const e = error as { code?: unknown; message?: unknown } | null;
  if (typeof e?.code === "string" && (NETWORK_CODES.has(e.code) || isUnavailableSqlState(e.code))) return true;
  const message = typeof e?.message === "string" ? e.message : "";
  // node-postgres reports a socket closed under it, and a pool wait that timed out, by message only.
  return (
    message.startsWith("Connection terminated") ||
    message.includes("timeout exceeded when trying to connect") ||
    message.includes("Client has encountered a connection error") ||
    message.includes("Connection closed")
  );
}

export const CONNECT_FAILED = "The database is not reachable right now; retry the request shortly";
export const CONNECTION_LOST = "The connection to the database was lost; retry the request shortly";

/** An unavailable error that keeps the driver's error as `cause`, for the log only. */
export function unavailableFrom(message: string, cause: unknown): HooklaneError {
  const error = unavailable(message);
  (error as Error).cause = cause;
  return error;
}

/** Maps a connection loss during a statement to 503; anything else passes through unchanged. */
export function mapStatementError(error: unknown): unknown {
  if (error instanceof HooklaneError || !isConnectionError(error)) return error;
  return unavailableFrom(CONNECTION_LOST, error);
}
