// Parses what Redis producers send (a Sendhooks stream entry, a golang-wehook pub/sub
// message) into a direct send, or a reason it cannot be one. Pure: no I/O.
import { checkDirectUrl } from "../../delivery/directSend.js";

/** A well-formed webhook request from a producer. */
export interface WebhookRequest {
  url: string;
  webhookId: string;
  /** The JSON object to POST. */
  data: Record<string, unknown>;
  secretHash?: string | undefined;
}

export type ParsedEntry =
  { ok: true; request: WebhookRequest } | { ok: false; reason: string; webhookId: string; url: string };

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * A stream entry's flat field list (`[name, value, ...]`, as XREADGROUP returns it). Sendhooks
 * producers write one field, `data`, holding the JSON. `fallbackId` (the entry id) names the
 * webhook when the producer gave no webhookId, so its status entry can still be told apart.
 */
export function parseStreamEntry(fields: string[], fallbackId: string): ParsedEntry {
  let data: string | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === "data") data = fields[i + 1];
  }
  if (data === undefined) return { ok: false, reason: "entry has no data field", webhookId: fallbackId, url: "" };
  return parseWebhookJson(data, fallbackId);
}

/** `{url, webhookId, data, secretHash?, metaData?, messageId?}` as JSON text. */
export function parseWebhookJson(text: string, fallbackId: string): ParsedEntry {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { ok: false, reason: "data is not valid JSON", webhookId: fallbackId, url: "" };
  }
  if (!isObject(parsed)) return { ok: false, reason: "data is not a JSON object", webhookId: fallbackId, url: "" };
  const webhookId =
    typeof parsed.webhookId === "string" && parsed.webhookId !== ""
      ? parsed.webhookId
      : typeof parsed.webhookId === "number"
        ? String(parsed.webhookId)
        : fallbackId;
  const url = typeof parsed.url === "string" ? parsed.url : "";
  const fail = (reason: string): ParsedEntry => ({ ok: false, reason, webhookId, url });
  if (parsed.url === undefined || parsed.url === null || parsed.url === "") return fail("missing url");
  if (typeof parsed.url !== "string") return fail("url is not a string");
  const urlProblem = checkDirectUrl(parsed.url);
  if (urlProblem) return fail(`invalid url: ${urlProblem}`);
  if (parsed.data === undefined || parsed.data === null) return fail("missing data");
  // Sendhooks decodes data into map[string]interface{}: anything but an object is an error there too.
  if (!isObject(parsed.data)) return fail("data.data is not a JSON object");
  if (parsed.secretHash !== undefined && parsed.secretHash !== null && typeof parsed.secretHash !== "string") {
    return fail("secretHash is not a string");
  }
  const secretHash = typeof parsed.secretHash === "string" && parsed.secretHash !== "" ? parsed.secretHash : undefined;
  if (secretHash !== undefined && /[\r\n]/.test(secretHash)) return fail("secretHash contains a line break");
  return { ok: true, request: { url: parsed.url, webhookId, data: parsed.data, secretHash } };
}

/** An eventId for a stream entry: stable across redeliveries, so a re-read entry is stored once. */
export function streamEventId(stream: string, entryId: string): string {
  return `redis.${stream.replace(/[^a-zA-Z0-9\-_.]/g, "_")}.${entryId}`.slice(0, 256);
}
