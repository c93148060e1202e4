// Bad input at volume: fast-check generates malformed API requests (random methods, paths with
// junk segments, wrong content types, random JSON and bytes, bodies that are almost right).
// No answer is a 5xx, the server stays up, and nothing garbage is stored: every message row
// is one a 2xx answer returned, and everything stored reads back through the API without a 5xx.
// (Hooklane has no public HTTP ingest route; inbound traffic is the API, including /send.)
import Database from "better-sqlite3";
import fc from "fast-check";
import { Pool } from "undici";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { report } from "./report.js";
import { SIZES } from "./sizes.js";

const OPERATIONAL = /^(endpoint|message\.attempt)\./;
let server: TestServer;
let pool: Pool;
const real: Record<"app" | "endpoint" | "msg", string> = { app: "", endpoint: "", msg: "" };

beforeAll(async () => {
  // role "api": no delivery worker, so no fuzzed URL that happens to be valid is ever called.
  server = await startTestServer({ role: "api", bodyLimitBytes: 65536 });
  real.app = (await server.api("POST", "/api/v1/app", { name: "Fuzz" })).body.id;
  real.endpoint = (
    await server.api("POST", `/api/v1/app/${real.app}/endpoint`, { url: "http://127.0.0.1:9/h" })
  ).body.id;
  real.msg = (await server.api("POST", `/api/v1/app/${real.app}/msg`, { eventType: "a.b", payload: {} })).body.id;
  pool = new Pool(server.url, { connections: 8 });
});

afterAll(async () => {
  await pool?.close();
  await server?.stop();
});

const ROUTES = [
  "/api/v1/app",
  "/api/v1/app/{app}",
  "/api/v1/app/{app}/endpoint",
  "/api/v1/app/{app}/endpoint/{endpoint}",
  "/api/v1/app/{app}/endpoint/{endpoint}/headers",
  "/api/v1/app/{app}/endpoint/{endpoint}/secret",
  "/api/v1/app/{app}/endpoint/{endpoint}/secret/rotate",
  "/api/v1/app/{app}/endpoint/{endpoint}/stats",
  "/api/v1/app/{app}/endpoint/{endpoint}/recover",
  "/api/v1/app/{app}/endpoint/{endpoint}/send-example",
  "/api/v1/app/{app}/endpoint/{endpoint}/msg",
  "/api/v1/app/{app}/msg",
  "/api/v1/app/{app}/msg/{msg}",
  "/api/v1/app/{app}/msg/{msg}/content",
  "/api/v1/app/{app}/msg/{msg}/endpoint",
  "/api/v1/app/{app}/msg/{msg}/endpoint/{endpoint}/resend",
  "/api/v1/app/{app}/attempt/msg/{msg}",
  "/api/v1/app/{app}/attempt/endpoint/{endpoint}",
  "/api/v1/event-type",
  "/api/v1/event-type/{name}",
  "/api/v1/auth/app-portal-access/{app}",
  "/api/v1/operational-webhook/endpoint",
  "/api/v1/operational-webhook/endpoint/{endpoint}",
  "/api/v1/send",
  "/api/v1/health",
];

/** Field names the real bodies use, so generated objects get past the first checks. */
const KEYS = [
  "name",
  "uid",
  "url",
  "eventType",
  "eventId",
  "payload",
  "channels",
  "tags",
  "filterTypes",
  "version",
  "disabled",
  "description",
  "metadata",
  "headers",
  "secret",
  "key",
  "rateLimit",
  "since",
  "until",
  "payloadRetentionPeriod",
  "payloadRetentionHours",
  "schemas",
  "archived",
  "deprecated",
  "featureFlag",
  "application",
  "transformationsParams",
  "throttleRate",
  "iterator",
  "limit",
  "expiry",
];

const junkSegment = fc.oneof(
  fc.string({ maxLength: 40 }).map(encodeURIComponent),
  fc.constantFrom("..", "%00", "%ff", "%", "app_", "msg_", "ep_", "%20", "null", "-1", "x".repeat(5000)),
);
const segment = (kind: string): fc.Arbitrary<string> =>
  kind in real ? fc.oneof(fc.constant(real[kind as keyof typeof real]), junkSegment) : junkSegment;

const path = fc
  .tuple(
    fc.constantFrom(...ROUTES),
    fc.record({ app: segment("app"), endpoint: segment("endpoint"), msg: segment("msg"), name: segment("name") }),
    fc.option(
      fc.dictionary(
        fc.constantFrom("limit", "iterator", "before", "after", "status", "with_content", "channel", "x"),
        fc.string({ maxLength: 20 }),
      ),
    ),
  )
  .map(([route, ids, query]) => {
    const filled = route.replace(/\{(\w+)\}/g, (_, k: keyof typeof ids) => ids[k]);
    return query ? `${filled}?${new URLSearchParams(query).toString()}` : filled;
  });

const jsonBody = fc.oneof(
  fc.dictionary(fc.constantFrom(...KEYS), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6 }).map((o) => JSON.stringify(o)),
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 200 }),
  fc.constantFrom("", "{", '{"eventType":', "[]", "null", '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{}}}'),
);
const body = fc.oneof(
  jsonBody.map((text) => Buffer.from(text)),
  fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
);

const request = fc
  .record({
    method: fc.constantFrom("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"),
    path,
    body: fc.option(body, { freq: 4 }),
    contentType: fc.option(
      fc.constantFrom(
        "application/json",
        "application/json; charset=utf-16",
        "text/plain",
        "multipart/form-data",
        "application/x-www-form-urlencoded",
        "*/*",
        "application/json; charset=\u00ff",
      ),
      { freq: 6 },
    ),
    auth: fc.constantFrom("admin", "admin", "admin", "none", "garbage", "wrong"),
  })
  // Deleting the fixtures would turn the rest of the run into 404s: delete only unknown ids.
  .filter((r) => r.method !== "DELETE" || !Object.values(real).some((id) => r.path.includes(id)));

it(`answers ${SIZES.fuzzRequests} malformed requests without a 5xx and stores no garbage`, async () => {
  const statuses = new Map<number, number>();
  const failures: string[] = [];
  /** Message ids the API answered 2xx with: every stored message must be one of them. */
  const acceptedIds = new Set<string>([real.msg]);
  await fc
    .assert(
      fc.asyncProperty(request, async (r) => {
        const authorization = {
          admin: `Bearer ${server.token}`,
          none: undefined,
          garbage: "Bearer \u0000\u00ff",
          wrong: "Basic x",
        }[r.auth];
        const headers: Record<string, string> = {};
        if (authorization) headers.authorization = authorization.replace(/[^\t\x20-\x7e\x80-\xff]/g, "?");
        if (r.contentType) headers["content-type"] = r.contentType;
        const response = await pool.request({
          method: r.method as "GET",
          path: r.path,
          headers,
          body: r.method === "GET" || r.method === "HEAD" ? undefined : (r.body ?? undefined),
        });
        const text = await response.body.text();
        statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
        if (response.statusCode < 300) {
          const id = /"id":"(msg_[^"]+)"/.exec(text)?.[1];
          if (id) acceptedIds.add(id);
        }
        if (response.statusCode >= 500) {
          failures.push(`${r.method} ${r.path.slice(0, 200)} → ${response.statusCode} ${text.slice(0, 200)}`);
          return false;
        }
        return true;
      }),
      { numRuns: SIZES.fuzzRequests, endOnFailure: true },
    )
    .catch((error: unknown) => failures.push(String(error).slice(0, 2000)));

  // Still up, and everything stored reads back through the API.
  expect((await server.api("GET", "/api/v1/health")).status).toBe(204);
  const readBack: number[] = [];
  const apps = await server.api("GET", "/api/v1/app?limit=250");
  readBack.push(apps.status);
  for (const app of apps.body?.data ?? []) {
    for (const list of ["endpoint", "msg"])
      readBack.push((await server.api("GET", `/api/v1/app/${app.id}/${list}?limit=250`)).status);
  }
  readBack.push((await server.api("GET", "/api/v1/event-type?limit=250&with_content=true")).status);
  const db = new Database(server.dbPath, { readonly: true });
  const stored = db.prepare("SELECT id, app_id, event_type FROM messages").all() as {
    id: string;
    event_type: string;
  }[];
  db.close();
  // Operational events (endpoint.created, …) are Hooklane's own messages about a 2xx change.
  const unexplained = stored.filter((m) => !acceptedIds.has(m.id) && !OPERATIONAL.test(m.event_type));
  const serverErrors = [...statuses].filter(([s]) => s >= 500).reduce((n, [, c]) => n + c, 0);
  report({
    scenario: "fuzz: malformed API requests (fast-check)",
    messages: SIZES.fuzzRequests,
    lost: 0,
    duplicated: 0,
    serverErrors,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    note: `statuses ${JSON.stringify(Object.fromEntries(statuses))}; ${stored.length - 1} messages stored, ${unexplained.length} not from a 2xx`,
  });
  expect(failures).toEqual([]);
  expect(readBack.filter((s) => s >= 500)).toEqual([]);
  expect(unexplained).toEqual([]);
});
