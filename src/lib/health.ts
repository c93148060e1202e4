// The health of optional components (ingest adapters), as the health route reports it.

export interface ComponentHealth {
  /** e.g. "redis-stream". */
  name: string;
  state: "up" | "connecting" | "down";
  /** When true, the plain health check fails while this component is not up. */
  required: boolean;
  /** Last error in words, when not up. */
  detail?: string | undefined;
  /** Counters worth seeing at a glance (entries stored, malformed, ...). */
  counters?: Record<string, number> | undefined;
}
