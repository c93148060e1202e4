// JSON text the way Go's encoding/json marshals webhook's maps: sorted keys, HTML-unsafe
// characters escaped, numbers written back exactly as they arrived (webhook decodes with
// UseNumber), so `entire-payload` and array/object arguments match webhook byte for byte.
import { isLosslessNumber } from "lossless-json";

const ESCAPES: Record<string, string> = {
  '"': '\\"',
  "\\": "\\\\",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "<": "\\u003c",
  ">": "\\u003e",
  "&": "\\u0026",
  "\u2028": "\\u2028",
  "\u2029": "\\u2029",
};

function goString(text: string): string {
  // eslint-disable-next-line no-control-regex
  return `"${text.replace(/["\\\n\r\t<>&\u2028\u2029\u0000-\u001f]/g, (c) => ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)}"`;
}

export function goMarshal(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (isLosslessNumber(value)) return value.toString();
  if (typeof value === "string") return goString(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return `[${value.map(goMarshal).join(",")}]`;
  const entries = Object.keys(value as object)
    .sort()
    .map((key) => `${goString(key)}:${goMarshal((value as Record<string, unknown>)[key])}`);
  return `{${entries.join(",")}}`;
}

/** Go's `fmt.Sprintf("%v", x)` for the scalar values a payload can hold. */
export function goFormat(value: unknown): string {
  if (value === null || value === undefined) return "<nil>";
  if (typeof value === "object" && !isLosslessNumber(value)) return goMarshal(value);
  return String(value);
}
