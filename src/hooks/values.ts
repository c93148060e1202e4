// Request values a hook refers to (webhook's Argument.Get): `payload`, `header`, `url`/`query`,
// `request`, `raw-request-body`, `entire-*` and `string`, with dot paths into nested objects
// and arrays (`commits.0.id`).
import { goFormat, goMarshal } from "./goJson.js";
import { canonicalHeaderKey, ParameterNodeError, type HookRequest } from "./request.js";

export interface ValueRef {
  source: string;
  name?: string;
}

export const VALUE_SOURCES = [
  "header",
  "url",
  "query",
  "payload",
  "string",
  "raw-request-body",
  "request",
  "entire-payload",
  "entire-headers",
  "entire-query",
] as const;

/** Walks `key` through maps and arrays; a literal key containing dots wins over a path. */
export function getParameter(key: string, params: unknown): unknown {
  if (Array.isArray(params)) {
    const dot = key.indexOf(".");
    const head = dot === -1 ? key : key.slice(0, dot);
    if (params.length === 0 || !/^\d+$/.test(head) || Number(head) >= params.length) throw new ParameterNodeError(key);
    return dot === -1 ? params[Number(head)] : getParameter(key.slice(dot + 1), params[Number(head)]);
  }
  if (params !== null && typeof params === "object" && params.constructor === Object) {
    const map = params as Record<string, unknown>;
    if (Object.hasOwn(map, key)) return map[key];
    const dot = key.indexOf(".");
    if (dot !== -1 && Object.hasOwn(map, key.slice(0, dot)))
      return getParameter(key.slice(dot + 1), map[key.slice(0, dot)]);
  }
  throw new ParameterNodeError(key);
}

/** Replaces an existing value at a dot path (parse-parameters-as-json); false when absent. */
export function replaceParameter(key: string, params: unknown, value: unknown): boolean {
  if (Array.isArray(params)) {
    const dot = key.indexOf(".");
    if (dot === -1) return false;
    const index = key.slice(0, dot);
    if (!/^\d+$/.test(index) || Number(index) >= params.length) return false;
    return replaceParameter(key.slice(dot + 1), params[Number(index)], value);
  }
  if (params === null || typeof params !== "object") return false;
  const map = params as Record<string, unknown>;
  const dot = key.indexOf(".");
  if (dot !== -1)
    return Object.hasOwn(map, key.slice(0, dot)) && replaceParameter(key.slice(dot + 1), map[key.slice(0, dot)], value);
  if (!Object.hasOwn(map, key)) return false;
  map[key] = value;
  return true;
}

function asString(value: unknown): string {
  return Array.isArray(value) || (value !== null && typeof value === "object" && value.constructor === Object)
    ? goMarshal(value)
    : goFormat(value);
}

/** The value as the string webhook would pass on or compare; throws ParameterNodeError if absent. */
export function getValue(ref: ValueRef, req: HookRequest): string {
  const name = ref.name ?? "";
  switch (ref.source) {
    case "header":
      return asString(getParameter(canonicalHeaderKey(name), req.headers));
    case "url":
    case "query":
      return asString(getParameter(name, req.query));
    case "payload":
      return asString(getParameter(name, req.payload ?? {}));
    case "string":
      return name;
    case "raw-request-body":
      return req.body.toString("utf8");
    case "request":
      switch (name.toLowerCase()) {
        case "remote-addr":
          return req.remoteAddr;
        case "method":
          return req.method;
        default:
          throw new Error(`unsupported request key: "${name}"`);
      }
    case "entire-payload":
      return goMarshal(req.payload);
    case "entire-headers":
      return goMarshal(req.headers);
    case "entire-query":
      return goMarshal(req.query);
    default:
      throw new Error("no source for value retrieval");
  }
}
