// The request as hooks see it: webhook's `hook.Request` (canonical headers, first query value,
// parsed payload, raw body) plus the error kinds its rule evaluation distinguishes.
export type Payload = Record<string, unknown>;

export interface HookRequest {
  id: string;
  method: string;
  /** Go's `RemoteAddr`: `ip:port`, IPv6 in brackets. */
  remoteAddr: string;
  contentType: string;
  body: Buffer;
  headers: Record<string, unknown>;
  query: Record<string, unknown>;
  /** Undefined when the body was not parsed (webhook's nil map: `entire-payload` is `null`). */
  payload: Payload | undefined;
  allowSignatureErrors: boolean;
}

/** A dot path that leads nowhere: rules treat it as "not matched", not as a failure. */
export class ParameterNodeError extends Error {
  constructor(readonly key: string) {
    super(`parameter node not found: ${key}`);
  }
}

/** A payload signature that does not verify; soft-failable with trigger-signature-soft-failures. */
export class SignatureError extends Error {
  constructor(readonly signature: string) {
    super(`invalid payload signature ${signature}`);
  }
}

/** Go's textproto.CanonicalMIMEHeaderKey: `x-hub-signature` → `X-Hub-Signature`. */
export function canonicalHeaderKey(name: string): string {
  // Keys with bytes outside the token set are left alone, as Go does.
  if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name)) return name;
  return name.toLowerCase().replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
}

/**
 * Go's url.ParseQuery keeping the first value of each key (webhook's valuesToMap). Pairs with a
 * semicolon or a bad escape are skipped, as Go skips them.
 */
export function parseGoQuery(text: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const pair of text.split("&")) {
    if (pair === "" || pair.includes(";")) continue;
    const eq = pair.indexOf("=");
    const [rawKey, rawValue] = eq === -1 ? [pair, ""] : [pair.slice(0, eq), pair.slice(eq + 1)];
    try {
      const key = decodeURIComponent(rawKey.replace(/\+/g, " "));
      const value = decodeURIComponent(rawValue.replace(/\+/g, " "));
      if (!(key in result)) result[key] = value;
    } catch {
      continue;
    }
  }
  return result;
}
