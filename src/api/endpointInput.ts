// Turning endpoint input (create, update, patch) into an Endpoint, with the checks the
// schema cannot express: http(s) URLs, header names and values, reserved headers. Shared by
// the application endpoints and the operational-webhook endpoints.
import type { Static } from "typebox";
import { createEndpointRecord } from "../domain/endpoint.js";
import { newChallenge } from "../domain/endpointVerification.js";
import type { Application, Endpoint } from "../domain/model.js";
import { newSecret, normalizeSecret, publicKey, schemeOf, type SignatureScheme } from "../domain/signing.js";
import { conflict, invalid } from "../lib/errors.js";
import type { RouteContext } from "./context.js";
import type { OperationalEventType } from "../delivery/operationalEvents.js";
import type { EndpointIn, EndpointPatch } from "./schemas/endpoint.js";

/** Headers we set ourselves or that would break the request; custom headers may not use them. */
const RESERVED_HEADER =
  /^(host|content-length|content-type|transfer-encoding|connection|user-agent|(webhook|svix)-(id|timestamp|signature))$/i;
/** Header values returned only by name, never by value. */
const SENSITIVE_HEADER = /^(authorization|proxy-authorization|cookie|x-api-key|api-key)$/i;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export function checkHeaders(headers: Record<string, string | null>, field: string): void {
  for (const [name, value] of Object.entries(headers)) {
    if (!HEADER_NAME.test(name)) throw invalid(["body", field, name], `"${name}" is not a valid header name`);
    if (RESERVED_HEADER.test(name))
      throw invalid(["body", field, name], `header "${name}" is set by Hooklane and cannot be overridden`);
    if (value !== null && /[\r\n]/.test(value))
      throw invalid(["body", field, name], "header values may not contain line breaks");
  }
}

function checkUrl(url: string): void {
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    throw invalid(["body", "url"], "must be an absolute http(s) URL");
  }
  if (protocol !== "http:" && protocol !== "https:") throw invalid(["body", "url"], "must be an http or https URL");
}

export type EndpointFields = Partial<Static<typeof EndpointPatch>>;

/** Applies the fields present in `body` (both Svix spellings of the filter and rate). */
export function applyFields(endpoint: Endpoint, body: EndpointFields): Endpoint {
  if (body.url !== undefined) checkUrl(body.url);
  const filter = body.filterTypes !== undefined ? body.filterTypes : body.eventTypes;
  const rate = body.rateLimit !== undefined ? body.rateLimit : body.throttleRate;
  const disabled = body.disabled !== undefined ? (body.disabled ?? false) : endpoint.disabled;
  // Enabling by hand forgets why Hooklane disabled it and starts the failure window afresh.
  const enabled = endpoint.disabled && !disabled;
  return {
    ...endpoint,
    failingSince: enabled ? null : endpoint.failingSince,
    disabledReason: disabled === endpoint.disabled ? endpoint.disabledReason : null,
    disabledAt: disabled && !endpoint.disabled ? Date.now() : endpoint.disabledAt,
    ordered: body.ordered !== undefined ? (body.ordered ?? false) : endpoint.ordered,
    url: body.url ?? endpoint.url,
    uid: body.uid !== undefined ? body.uid : endpoint.uid,
    description: body.description !== undefined ? (body.description ?? "") : endpoint.description,
    version: body.version ?? endpoint.version,
    disabled,
    eventTypes: filter !== undefined ? filter : endpoint.eventTypes,
    channels: body.channels !== undefined ? body.channels : endpoint.channels,
    rateLimit: rate !== undefined ? rate : endpoint.rateLimit,
    metadata: body.metadata !== undefined ? (body.metadata ?? {}) : endpoint.metadata,
    secret: body.secret ? normalizeSecret(body.secret) : endpoint.secret,
  };
}

export function newEndpoint(appId: string, body: Static<typeof EndpointIn>, now: number, uid?: string): Endpoint {
  if (body.headers) checkHeaders(body.headers, "headers");
  const blank = createEndpointRecord({
    appId,
    uid,
    url: body.url,
    headers: body.headers ?? {},
    secret: newSecret(body.signatureScheme ?? "hmac-sha256"),
    now,
  });
  const endpoint = applyFields(blank, body);
  checkScheme(endpoint.secret, body.signatureScheme, ["body", "secret"]);
  return endpoint;
}

/**
 * Starts a verification when the application asks for one and the endpoint is new (`before`
 * null) or moves to another URL; otherwise the endpoint keeps its state.
 */
export function withVerification(app: Application, before: Endpoint | null, after: Endpoint): Endpoint {
  if (!app.endpointVerification || (before && before.url === after.url)) return after;
  return { ...after, verification: { challenge: newChallenge(), lastError: null } };
}

/** Sends the challenge `withVerification` started, if it started one; returns the endpoint as stored. */
export function checkStarted(ctx: RouteContext, before: Endpoint | null, after: Endpoint): Promise<Endpoint> {
  const started = after.verification && after.verification.challenge !== before?.verification?.challenge;
  return started ? ctx.verifier.check(after) : Promise.resolve(after);
}

/** Resending to an endpoint that has not proven it controls its URL would bypass verification. */
export function requireVerified(endpoint: Endpoint): void {
  if (endpoint.verification) {
    throw conflict("The endpoint is not verified yet: POST .../verify once it echoes the challenge, then retry");
  }
}

/** Tells operators about an endpoint change (operational webhooks); never fails the request. */
export function announce(ctx: RouteContext, type: OperationalEventType, endpoint: Endpoint): void {
  void ctx.events.emit(type, { appId: endpoint.appId, endpointId: endpoint.id, endpointUid: endpoint.uid });
}

/** The events an update implies: updated, plus disabled/enabled when that flag changed. */
export function announceUpdate(ctx: RouteContext, before: Endpoint, after: Endpoint): void {
  announce(ctx, "endpoint.updated", after);
  if (before.disabled !== after.disabled)
    announce(ctx, after.disabled ? "endpoint.disabled" : "endpoint.enabled", after);
}

const DEFAULT_GRACE_SECONDS = 24 * 3600;

/**
 * A new signing secret (given or generated). The old one keeps signing, as a second
 * signature, until the grace period ends, so receivers can switch without dropping requests.
 */
export function withRotatedSecret(
  endpoint: Endpoint,
  body:
    { key?: string | null; signatureScheme?: SignatureScheme | null; gracePeriodSeconds?: number | null } | undefined,
  now: number,
): Endpoint {
  const grace = (body?.gracePeriodSeconds ?? DEFAULT_GRACE_SECONDS) * 1000;
  const retiredSecrets = [
    ...endpoint.retiredSecrets.filter((s) => s.expiresAt > now),
    ...(grace > 0 ? [{ key: endpoint.secret, expiresAt: now + grace }] : []),
  ];
  const secret = body?.key
    ? normalizeSecret(body.key, ["body", "key"])
    : newSecret(body?.signatureScheme ?? schemeOf(endpoint.secret));
  checkScheme(secret, body?.signatureScheme, ["body", "key"]);
  return { ...endpoint, secret, retiredSecrets, updatedAt: now };
}

/** A given secret decides the scheme; a signatureScheme that says otherwise is a mistake. */
function checkScheme(secret: string, wanted: string | null | undefined, field: string[]): void {
  if (wanted && schemeOf(secret) !== wanted) {
    throw invalid(field, `this secret signs with ${schemeOf(secret)}, but signatureScheme asks for ${wanted}`);
  }
}

/** The secret route's answer: the key, and for ed25519 the public key receivers verify with. */
export function secretView(endpoint: Endpoint): { key: string; publicKey?: string } {
  const key = publicKey(endpoint.secret);
  return key ? { key: endpoint.secret, publicKey: key } : { key: endpoint.secret };
}

/** Custom headers as the API shows them: sensitive ones by name only, never by value. */
export function headersView(endpoint: Endpoint): { headers: Record<string, string>; sensitive: string[] } {
  const headers: Record<string, string> = {};
  const sensitive: string[] = [];
  for (const [name, value] of Object.entries(endpoint.headers)) {
    if (SENSITIVE_HEADER.test(name)) sensitive.push(name);
    else headers[name] = value;
  }
  return { headers, sensitive };
}
