// What an accepted inbound request becomes: its delivery id (for deduplication), its event
// type, and the JSON payload of the message it is forwarded as.
import { header, type Headers } from "./sourceVerify.js";
import type { EventTypeRule, Source } from "./source.js";

/** Parsed once per request: null when the body is not JSON. */
export function parseJsonBody(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString("utf8")) as unknown;
  } catch {
    return null;
  }
}

/** The provider's id of this delivery, when it sends one: retries of a delivery repeat it. */
export function deliveryId(source: Source, headers: Headers, json: unknown): string | null {
  if (source.deliveryIdHeader) return header(headers, source.deliveryIdHeader) ?? null;
  switch (source.verification.type) {
    case "standard-webhooks":
      return header(headers, "webhook-id") ?? header(headers, "svix-id") ?? null;
    case "github":
      return header(headers, "x-github-delivery") ?? null;
    case "shopify":
      return header(headers, "x-shopify-webhook-id") ?? null;
    case "stripe": {
      // Stripe retries an event with the same event id (`evt_…`) in the body.
      const id = (json as { id?: unknown } | null)?.id;
      return typeof id === "string" ? id : null;
    }
    default:
      return null;
  }
}

/** Event type names are identifiers (`[a-zA-Z0-9-_.]`); others are mapped (`orders/create` → `orders.create`). */
function asEventType(value: string): string {
  return value.replace(/[^a-zA-Z0-9\-_.]/g, ".").slice(0, 256);
}

function atPath(json: unknown, path: string): unknown {
  let here = json;
  for (const key of path.split(".")) {
    if (here === null || typeof here !== "object") return undefined;
    here = (here as Record<string, unknown>)[key];
  }
  return here;
}

export function eventTypeOf(rule: EventTypeRule, headers: Headers, json: unknown): string {
  if (rule.from === "fixed") return rule.value;
  const found = rule.from === "header" ? header(headers, rule.name) : atPath(json, rule.path);
  const text = typeof found === "string" || typeof found === "number" ? String(found) : "";
  return text ? asEventType(text) : (rule.fallback ?? "inbound");
}

/**
 * The forwarded message's payload as JSON text. A JSON body is forwarded byte for byte; any
 * other body (form posts, XML) is wrapped, as text when it is UTF-8, else as base64.
 */
export function forwardPayload(body: Buffer, contentType: string | undefined, json: unknown): string {
  if (json !== null) return body.toString("utf8");
  const text = body.toString("utf8");
  const isUtf8 = Buffer.from(text, "utf8").equals(body);
  return JSON.stringify(
    isUtf8
      ? { contentType: contentType ?? null, body: text }
      : { contentType: contentType ?? null, bodyBase64: body.toString("base64") },
  );
}
