// Builds the HTTP request for one delivery: body, custom headers and signature headers.
import type { Endpoint, Message } from "../domain/model.js";
import { signatureHeader } from "../domain/signing.js";
import type { OutboundRequest } from "./httpSender.js";

export type SignatureHeaderStyle = "webhook" | "svix" | "both";

const USER_AGENT = "Hooklane/0.1";

/**
 * What a delivery's request is built from: only the endpoint's and message's fields it uses,
 * as plain data, since it crosses to the sender thread (threadedSender.ts).
 */
export interface DeliveryRequest {
  endpoint: Pick<Endpoint, "url" | "headers" | "secret" | "retiredSecrets">;
  message: Pick<Message, "id" | "contentType" | "headers"> & { payload: string };
  style: SignatureHeaderStyle;
  nowMs: number;
}

/** Picks those fields (a whole Endpoint or Message would be copied to the thread). */
export function deliveryRequest(
  endpoint: Endpoint,
  message: Pick<Message, "id" | "contentType" | "headers">,
  payload: string,
  style: SignatureHeaderStyle,
  nowMs: number,
): DeliveryRequest {
  const { url, headers, secret, retiredSecrets } = endpoint;
  return {
    endpoint: { url, headers, secret, retiredSecrets },
    message: { id: message.id, contentType: message.contentType, headers: message.headers, payload },
    style,
    nowMs,
  };
}

/** The signed HTTP request for a delivery. */
export function buildOutboundRequest({ endpoint, message, style, nowMs }: DeliveryRequest): OutboundRequest {
  const timestamp = Math.floor(nowMs / 1000);
  const signature = signatureHeader(endpoint, message.id, timestamp, message.payload, nowMs);
  // Ours are applied last (whatever the spelling of a custom one), so custom headers can never
  // replace the signature or content type; the message's own (direct sends) override the
  // endpoint's, which several messages share.
  const ours: Record<string, string> = {
    "content-type": message.contentType ?? "application/json",
    "user-agent": USER_AGENT,
  };
  for (const prefix of style === "both" ? ["webhook", "svix"] : [style]) {
    ours[`${prefix}-id`] = message.id;
    ours[`${prefix}-timestamp`] = String(timestamp);
    ours[`${prefix}-signature`] = signature;
  }
  const headers = withOverrides(withOverrides(endpoint.headers, message.headers), ours);
  return { url: endpoint.url, headers, body: message.payload };
}

/** `base` with `overrides` applied; names compare case-insensitively, so one replaces the other. */
function withOverrides(
  base: Record<string, string>,
  overrides: Record<string, string> | null | undefined,
): Record<string, string> {
  const headers: Record<string, string> = { ...base };
  if (!overrides) return headers;
  for (const [name, value] of Object.entries(overrides)) {
    for (const existing of Object.keys(headers)) {
      if (existing.toLowerCase() === name.toLowerCase()) delete headers[existing];
    }
    headers[name] = value;
  }
  return headers;
}
