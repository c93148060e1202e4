// OpenTelemetry traces of publishes and delivery attempts, exported over OTLP/HTTP. Loaded
// only by tracing.ts, and only when an endpoint is configured.
//
// The publish span's context travels with the message as a W3C `traceparent` header: it is
// stored with the message (so an attempt made later, perhaps by another instance, joins the
// same trace) and sent on every delivery request (so receivers can continue the trace).
// Attempt spans are made from the recorded attempt (its start time and duration) in an
// onAttempt listener, which keeps tracing off the delivery hot path.
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  defaultTextMapSetter,
  trace,
  type Context,
  type TextMapGetter,
  type Tracer,
} from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import type { Message } from "../domain/model.js";
import type { PublishSpan } from "../delivery/publish.js";
import type { AttemptRecorded } from "../delivery/worker.js";
import type { Tracing } from "./tracing.js";

const propagator = new W3CTraceContextPropagator();

/** Message headers are stored as given, so look names up case-insensitively. */
const headerGetter: TextMapGetter<Record<string, string>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => Object.entries(carrier).find(([name]) => name.toLowerCase() === key)?.[1],
};

/** The trace context a message carries: ours, or one its producer sent in its headers. */
const messageContext = (message: Message): Context =>
  propagator.extract(ROOT_CONTEXT, message.headers ?? {}, headerGetter);

export function startOtelTracing(otlpEndpoint: string): Tracing {
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ "service.name": "hooklane" }),
    spanProcessors: [
      new BatchSpanProcessor({
        exporter: new OTLPTraceExporter({ url: otlpEndpoint.replace(/\/+$/, "") + "/v1/traces" }),
      }),
    ],
  });
  // Not registered globally: Hooklane makes its own spans and should not capture an embedding
  // program's tracer provider, nor hand it ours.
  const tracer = provider.getTracer("hooklane");
  return {
    publishTracer: { startPublish: (message) => startPublish(tracer, message) },
    observeAttempt: (event) => recordAttempt(tracer, event),
    shutdown: () => provider.shutdown(),
  };
}

function startPublish(tracer: Tracer, message: Message): PublishSpan {
  const span = tracer.startSpan(
    "publish",
    {
      kind: SpanKind.PRODUCER,
      attributes: {
        "hooklane.app_id": message.appId,
        "hooklane.event_type": message.eventType,
        "hooklane.message_id": message.id,
      },
    },
    messageContext(message),
  );
  const headers: Record<string, string> = {};
  propagator.inject(trace.setSpan(ROOT_CONTEXT, span), headers, defaultTextMapSetter);
  return {
    headers,
    end(result) {
      if ("error" in result) {
        span.recordException(result.error instanceof Error ? result.error : String(result.error));
        span.setStatus({ code: SpanStatusCode.ERROR });
      } else {
        span.setAttribute("hooklane.delivery_count", result.deliveryCount);
      }
      span.end();
    },
  };
}

function recordAttempt(tracer: Tracer, { attempt, completion, delivery, message }: AttemptRecorded): void {
  const statusCode = attempt.responseStatusCode;
  const span = tracer.startSpan(
    "attempt",
    {
      kind: SpanKind.CLIENT,
      startTime: attempt.createdAt,
      attributes: {
        "hooklane.app_id": attempt.appId,
        "hooklane.endpoint_id": attempt.endpointId,
        "hooklane.message_id": attempt.messageId,
        "hooklane.attempt_id": attempt.id,
        "hooklane.attempt_number": delivery.attemptCount + 1,
        "hooklane.outcome": completion.kind,
        ...(statusCode > 0 ? { "http.response.status_code": statusCode } : {}),
      },
    },
    messageContext(message),
  );
  if (completion.kind !== "succeeded") {
    // The reason when no response came; never the response body, which is the receiver's data.
    span.setStatus({ code: SpanStatusCode.ERROR, message: statusCode > 0 ? `HTTP ${statusCode}` : attempt.response });
  }
  span.end(attempt.createdAt + attempt.responseDurationMs);
}
