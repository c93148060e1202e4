// Builds the HTTP request for one delivery: body, custom headers and signature headers.
import type { Endpoint, Message } from "../domain/model.js";
import { signatureHeader } from "../domain/signing.js";
import type { OutboundRequest } from "./httpSender.js";

export type SignatureHeaderStyle = "webhook" | "svix" | "both";

const USER_AGENT = "Hooklane/0.1";

export function buildOutboundRequest(
  endpoint: Endpoint,
  message: Message & { payload: string },
  style: SignatureHeaderStyle,
  nowMs: number,
): OutboundRequest {
  const timestamp = Math.floor(nowMs / 1000);
  const signature = signatureHeader(endpoint, message.id, timestamp, message.payload, nowMs);
  // Custom headers go first so they can never replace the signature or content type; the
  // message's own (direct sends) override the endpoint's, which several messages share.
  const headers: Record<string, string> = { ...endpoint.headers, ...lowerCaseKeys(message.headers) };
  headers["content-type"] = "application/json";
  headers["user-agent"] = USER_AGENT;
  for (const prefix of style === "both" ? ["webhook", "svix"] : [style]) {
    headers[`${prefix}-id`] = message.id;
    headers[`${prefix}-timestamp`] = String(timestamp);
    headers[`${prefix}-signature`] = signature;
  }
  return { url: endpoint.url, headers, body: message.payload };
}

/** Header names are case-insensitive; one spelling per name lets a later one replace an earlier. */
function lowerCaseKeys(headers: Record<string, string> | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) out[name.toLowerCase()] = value;
  return out;
}
