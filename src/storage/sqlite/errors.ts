// Tells "the disk cannot take this write now" (full, or an I/O error such as a file-size
// limit) apart from every other SQLite error, so the API answers 503 instead of 500 and the
// worker waits it out instead of failing deliveries; SQLite recovers once space is back.
import { HooklaneError, unavailable } from "../../lib/errors.js";

export const DISK_UNAVAILABLE = "The database cannot store this right now (disk full or failing); retry shortly";

/** What the WAL's fdatasync reports when the disk fails it (see SqliteClient). */
const SYNC_ERRORS = new Set(["EIO", "ENOSPC", "EDQUOT"]);

function isDiskError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return (
    typeof code === "string" && (code === "SQLITE_FULL" || code.startsWith("SQLITE_IOERR") || SYNC_ERRORS.has(code))
  );
}

/** Maps a disk failure to `unavailable` (the driver's error kept as `cause`, for the log only). */
export function mapWriteError(error: unknown): unknown {
  if (error instanceof HooklaneError || !isDiskError(error)) return error;
  const mapped = unavailable(DISK_UNAVAILABLE);
  (mapped as Error).cause = error;
  return mapped;
}
