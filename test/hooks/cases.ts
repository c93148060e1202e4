// The requests of the webhook 2.8 compatibility suite (compat.test.ts), over
// fixtures/compat-hooks.yaml. Signatures are computed here from fixed secrets, so every run
// sends the same bytes (except Scalr's Date, which must be current).
import { createHmac } from "node:crypto";

export const SECRET = "a secret to everybody";
export const SCALR_KEY = "scalr-signing-key";

export interface CompatCase {
  name: string;
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | (() => { body: string; headers: Record<string, string> });
  /** Whether the hook's command runs (the suite then waits for its record). */
  runs: boolean;
}

const hmac = (algorithm: string, secret: string, body: string) =>
  createHmac(algorithm, secret).update(body).digest("hex");

const PUSH = JSON.stringify({
  ref: "refs/heads/main",
  head_commit: { id: "abc123" },
  commits: [{ author: { name: "Ann" } }, { id: 2, msg: "<b>&" }],
  count: 12345678901234567890n.toString(),
  flag: true,
  nothing: null,
  "dotted.key": "literal-dot",
  dotted: { key: "nested" },
}).replace('"12345678901234567890"', "12345678901234567890");

const json = { "Content-Type": "application/json" };
const form = { "Content-Type": "application/x-www-form-urlencoded" };

/** Go's Scalr date layout, "Mon 02 Jan 2006 15:04:05 MST", in UTC. */
function scalrDate(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, "0");
  const day = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"][d.getUTCDay()];
  const month = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][d.getUTCMonth()];
  return `${day} ${pad(d.getUTCDate())} ${month} ${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} UTC`;
}

function scalr(offsetMs: number, tamper = false) {
  return () => {
    const body = '{"event":"HostUp"}';
    const date = scalrDate(Date.now() + offsetMs);
    const signature = hmac("sha1", SCALR_KEY, body + date);
    return {
      body,
      headers: {
        ...json,
        Date: date,
        "X-Signature": tamper ? (signature[0] === "0" ? "1" : "0") + signature.slice(1) : signature,
      },
    };
  };
}

const BOUNDARY = "hooklane-compat-boundary";
const MULTIPART = [
  `--${BOUNDARY}`,
  'Content-Disposition: form-data; name="name"',
  "",
  "first",
  `--${BOUNDARY}`,
  'Content-Disposition: form-data; name="name"',
  "",
  "second",
  `--${BOUNDARY}`,
  'Content-Disposition: form-data; name="meta"; filename="meta.json"',
  "Content-Type: application/json",
  "",
  '{"k":"from-json-part","n":1.50}',
  `--${BOUNDARY}`,
  'Content-Disposition: form-data; name="forced"; filename="forced.txt"',
  "Content-Type: text/plain",
  "",
  '{"n":42}',
  `--${BOUNDARY}`,
  'Content-Disposition: form-data; name="blob"; filename="blob.bin"',
  "Content-Type: application/octet-stream",
  "",
  "ignored bytes",
  `--${BOUNDARY}--`,
  "",
].join("\r\n");

const XML =
  '<?xml version="1.0"?><app id="7"><name>demo</name><item>a</item><item>b</item><note lang="en">hi &amp; bye</note><empty/></app>';

export const CASES: CompatCase[] = [
  // Routing
  { name: "root answers OK", method: "GET", path: "/", runs: false },
  { name: "path outside the prefix", method: "GET", path: "/elsewhere", runs: false },
  { name: "unknown hook", path: "/hooks/nope", body: "{}", headers: json, runs: false },
  { name: "empty hook id", method: "GET", path: "/hooks/", runs: false },
  // Values, arguments, environment, output
  {
    name: "JSON payload values",
    path: "/hooks/capture?q=a+b%21",
    headers: { ...json, "X-Event": "push" },
    body: PUSH,
    runs: true,
  },
  { name: "first query value wins", path: "/hooks/capture?q=1&q=2&bad=%zz", headers: json, body: PUSH, runs: true },
  { name: "no content type: no payload", path: "/hooks/capture", body: PUSH, runs: true },
  { name: "invalid JSON: no payload", path: "/hooks/capture", headers: json, body: '{"ref": ', runs: true },
  {
    name: "JSON array payload is root",
    path: "/hooks/capture",
    headers: json,
    body: '[{"id":1},{"tags":["x"]}]',
    runs: true,
  },
  { name: "GET with query only", method: "GET", path: "/hooks/capture?q=only", runs: true },
  { name: "failing command, generic 500", path: "/hooks/capture", headers: json, body: '{"exit":"4"}', runs: true },
  {
    name: "entire headers",
    method: "GET",
    path: "/hooks/headers",
    headers: { "X-Custom-Header": "one", "x-lower": "two" },
    runs: true,
  },
  {
    name: "entire headers with a body",
    path: "/hooks/headers",
    headers: { ...json, "X-Multi": "a" },
    body: "{}",
    runs: true,
  },
  // Files and working directory (command answers later)
  {
    name: "files: base64-decoded and plain",
    path: "/hooks/async",
    headers: json,
    body: JSON.stringify({
      name: "files",
      file: Buffer.from("binary\u0000data\n").toString("base64"),
      text: "plain text\n",
    }),
    runs: true,
  },
  { name: "files: none given", path: "/hooks/async", headers: json, body: '{"name":"nofiles"}', runs: true },
  // Failures
  {
    name: "exit 3 without output",
    path: "/hooks/fail",
    headers: json,
    body: '{"why":"broken","exit":"3"}',
    runs: true,
  },
  {
    name: "exit 5 with output",
    path: "/hooks/fail-output",
    headers: json,
    body: '{"why":"broken","exit":"5"}',
    runs: true,
  },
  {
    name: "success with custom content type",
    path: "/hooks/fail-output",
    headers: json,
    body: '{"why":"fine"}',
    runs: true,
  },
  { name: "command not found", path: "/hooks/missing-command", body: "", runs: false },
  // Methods
  { name: "method GET not allowed", method: "GET", path: "/hooks/methods", runs: false },
  { name: "method POST not allowed", method: "POST", path: "/hooks/methods", body: "", runs: false },
  { name: "method PUT allowed", method: "PUT", path: "/hooks/methods", body: "", runs: true },
  {
    name: "method PATCH allowed (trimmed, upper-cased)",
    method: "PATCH",
    path: "/hooks/methods",
    body: "",
    runs: true,
  },
  // and / value / regex
  {
    name: "and: all match",
    path: "/hooks/rules",
    headers: { ...json, "X-Token": "s3cret" },
    body: '{"ref":"refs/heads/dev"}',
    runs: true,
  },
  {
    name: "and: wrong token",
    path: "/hooks/rules",
    headers: { ...json, "X-Token": "nope" },
    body: '{"ref":"refs/heads/dev"}',
    runs: false,
  },
  { name: "and: missing header", path: "/hooks/rules", headers: json, body: '{"ref":"refs/heads/dev"}', runs: false },
  {
    name: "and: regex mismatch",
    path: "/hooks/rules",
    headers: { ...json, "X-Token": "s3cret" },
    body: '{"ref":"refs/tags/v1"}',
    runs: false,
  },
  // or / not
  { name: "or: first matches", path: "/hooks/or-not?token=abc", headers: json, body: '{"action":"skip"}', runs: true },
  {
    name: "or: not(skip) fails, unknown mismatch code",
    path: "/hooks/or-not",
    headers: json,
    body: '{"action":"SKIP"}',
    runs: false,
  },
  { name: "or: not(other) matches", path: "/hooks/or-not", headers: json, body: '{"action":"go"}', runs: true },
  { name: "or: not of a missing value", path: "/hooks/or-not", headers: json, body: "{}", runs: true },
  // Payload signatures
  {
    name: "hmac-sha1 valid",
    path: "/hooks/hmac-sha1",
    headers: { ...json, "X-Hub-Signature": `sha1=${hmac("sha1", SECRET, '{"a":1}')}` },
    body: '{"a":1}',
    runs: true,
  },
  {
    name: "hmac-sha1 invalid",
    path: "/hooks/hmac-sha1",
    headers: { ...json, "X-Hub-Signature": "sha1=0000" },
    body: '{"a":1}',
    runs: false,
  },
  { name: "hmac-sha1 header missing", path: "/hooks/hmac-sha1", headers: json, body: '{"a":1}', runs: false },
  {
    name: "hmac-sha256 comma-separated list",
    path: "/hooks/hmac-sha256",
    headers: { ...json, "X-Hub-Signature-256": `sha256=bad,sha256=${hmac("sha256", SECRET, '{"b":2}')}` },
    body: '{"b":2}',
    runs: true,
  },
  {
    name: "hmac-sha256 without prefix",
    path: "/hooks/hmac-sha256",
    headers: { ...json, "X-Hub-Signature-256": hmac("sha256", SECRET, "{}") },
    body: "{}",
    runs: true,
  },
  {
    name: "hmac-sha512 from the query",
    path: `/hooks/hmac-sha512?sig=${hmac("sha512", SECRET, "x=1")}`,
    headers: form,
    body: "x=1",
    runs: true,
  },
  {
    name: "hmac-sha512 wrong body",
    path: `/hooks/hmac-sha512?sig=${hmac("sha512", SECRET, "x=1")}`,
    headers: form,
    body: "x=2",
    runs: false,
  },
  {
    name: "soft failure: fallback matches",
    path: "/hooks/soft",
    headers: { ...json, "X-Sig": "sha256=00", "X-Fallback": "ok" },
    body: "{}",
    runs: true,
  },
  {
    name: "soft failure: nothing matches",
    path: "/hooks/soft",
    headers: { ...json, "X-Sig": "sha256=00" },
    body: "{}",
    runs: false,
  },
  {
    name: "hard failure inside or",
    path: "/hooks/hard",
    headers: { ...json, "X-Sig": "sha256=00", "X-Fallback": "ok" },
    body: "{}",
    runs: false,
  },
  // Addresses and Scalr
  { name: "ip-whitelist allows loopback", path: "/hooks/ip-allowed", body: "", runs: true },
  { name: "ip-whitelist denies", path: "/hooks/ip-denied", body: "", runs: false },
  { name: "scalr valid", path: "/hooks/scalr", body: scalr(0), runs: true },
  { name: "scalr tampered", path: "/hooks/scalr", body: scalr(0, true), runs: false },
  { name: "scalr stale", path: "/hooks/scalr", body: scalr(-3600_000), runs: false },
  { name: "scalr headers missing", path: "/hooks/scalr", headers: json, body: "{}", runs: false },
  { name: "rule evaluation error", path: "/hooks/rule-error", body: "", runs: false },
  // Payload formats
  {
    name: "parse-parameters-as-json from form and header",
    path: "/hooks/json-params",
    headers: { ...form, "X-Meta": '{"env":"prod"}' },
    body: `data=${encodeURIComponent('{"x":{"y":"z"},"n":7}')}&other=1`,
    runs: true,
  },
  {
    name: "parse-parameters-as-json mismatch",
    path: "/hooks/json-params",
    headers: form,
    body: `data=${encodeURIComponent('{"x":{"y":"q"}}')}`,
    runs: false,
  },
  {
    name: "incoming-payload-content-type override",
    path: "/hooks/content-type-override",
    headers: { "Content-Type": "text/plain" },
    body: '{"a":"forced"}',
    runs: true,
  },
  {
    name: "XML payload",
    path: "/hooks/payload",
    headers: { "Content-Type": "application/xml" },
    body: XML,
    runs: true,
  },
  {
    name: "form payload, repeated keys",
    path: "/hooks/payload",
    headers: form,
    body: "a=1&a=2&name=x+y&name=z",
    runs: true,
  },
  {
    name: "array payload",
    path: "/hooks/payload",
    headers: { "Content-Type": "application/vnd.api+json" },
    body: '[{"id":"i0"},{"tags":["t0","t1"]}]',
    runs: true,
  },
  {
    name: "multipart form",
    path: "/hooks/multipart",
    headers: { "Content-Type": `multipart/form-data; boundary=${BOUNDARY}` },
    body: MULTIPART,
    runs: true,
  },
  {
    name: "broken multipart",
    path: "/hooks/multipart",
    headers: { "Content-Type": "multipart/form-data; boundary=" },
    body: "junk",
    runs: false,
  },
  // Status codes and response bodies
  { name: "unknown success code falls back to 200", path: "/hooks/odd-status", body: "", runs: true },
  { name: "HTML response message", path: "/hooks/html-message", body: "", runs: true },
];

/** Served with `-urlprefix "" -http-methods " post, put"`: hooks at /{id}, global methods. */
export const FLAG_CASES: CompatCase[] = [
  { name: "root still answers OK", method: "GET", path: "/", runs: false },
  { name: "hook at /{id}", path: "/odd-status", body: "", runs: true },
  { name: "old prefix is a hook id now", path: "/hooks/odd-status", body: "", runs: false },
  { name: "GET refused by -http-methods", method: "GET", path: "/odd-status", runs: false },
  { name: "PUT allowed by -http-methods", method: "PUT", path: "/odd-status", body: "", runs: true },
  { name: "DELETE refused by -http-methods", method: "DELETE", path: "/odd-status", runs: false },
  { name: "hook's own http-methods win", method: "POST", path: "/methods", body: "", runs: false },
];
