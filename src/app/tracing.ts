// Optional OpenTelemetry tracing. Without `otlpEndpoint` nothing is loaded: the OpenTelemetry
// packages are imported only when tracing is on, and the publisher and worker get no hooks.
import type { Config } from "../config/schema.js";
import type { PublishTracer } from "../delivery/publish.js";
import type { AttemptRecorded } from "../delivery/worker.js";

export interface Tracing {
  publishTracer: PublishTracer;
  /** An onAttempt listener: one span per recorded delivery attempt. */
  observeAttempt(event: AttemptRecorded): void;
  /** Exports the spans still buffered. */
  shutdown(): Promise<void>;
}

export async function startTracing(config: Pick<Config, "otlpEndpoint">): Promise<Tracing | null> {
  if (!config.otlpEndpoint) return null;
  const { startOtelTracing } = await import("./otelTracing.js");
  return startOtelTracing(config.otlpEndpoint);
}
