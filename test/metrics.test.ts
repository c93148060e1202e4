// /metrics: Prometheus text whose counters match the deliveries this test made; access needs
// the admin token or the scrape token unless metricsPublic.
import { afterAll, beforeAll, expect, it } from "vitest";
import { startReceiver, type Receiver } from "./helpers/receiver.js";
import { startTestServer, type TestServer } from "./helpers/server.js";
import { waitFor } from "./helpers/wait.js";

const SCRAPE_TOKEN = "scrape-token-0123456789abcdef";
let server: TestServer;
let receiver: Receiver;

beforeAll(async () => {
  server = await startTestServer({ metricsToken: SCRAPE_TOKEN });
  receiver = await startReceiver();
  receiver.on("/bad", () => ({ status: 500 }));
});
afterAll(async () => {
  await server.stop();
  await receiver.close();
});

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The text exposition format (prometheus.io/docs/instrumenting/exposition_formats): every line must parse. */
function parsePrometheus(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("# HELP ") || line.startsWith("# TYPE ")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?[0-9.e+-]+|NaN|[+-]Inf)$/.exec(line);
    if (!m) throw new Error(`not Prometheus text: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (m[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[key!] = value!;
    }
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return samples;
}

const value = (samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined =>
  samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

async function scrape(token?: string): Promise<{ status: number; text: string; type: string | null }> {
  const response = await fetch(server.url + "/metrics", {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  return { status: response.status, text: await response.text(), type: response.headers.get("content-type") };
}

it("counts accepted messages and attempts by outcome and status class", async () => {
  const app = (await server.api("POST", "/api/v1/app", { name: "metrics" })).body;
  const ok = (
    await server.api("POST", `/api/v1/app/${app.id}/endpoint`, { url: receiver.url("/ok"), filterTypes: ["ok.event"] })
  ).body;
  const bad = (
    await server.api("POST", `/api/v1/app/${app.id}/endpoint`, {
      url: receiver.url("/bad"),
      filterTypes: ["bad.event"],
    })
  ).body;
  for (let i = 0; i < 3; i++)
    await server.api("POST", `/api/v1/app/${app.id}/msg`, { eventType: "ok.event", payload: { i } });
  await server.api("POST", `/api/v1/app/${app.id}/msg`, { eventType: "bad.event", payload: {} });

  // The failing endpoint gets 1 + 3 retries (retrySchedule of the test server), then fails for good.
  const attempts = async (endpointId: string): Promise<any[]> =>
    (await server.api("GET", `/api/v1/app/${app.id}/attempt/endpoint/${endpointId}`)).body.data;
  await waitFor(async () => (await attempts(ok.id)).length === 3 && (await attempts(bad.id)).length === 4, {
    what: "all attempts",
  });
  const msgs = (await server.api("GET", `/api/v1/app/${app.id}/msg`)).body.data;
  const badMsg = msgs.find((m: any) => m.eventType === "bad.event");
  await waitFor(
    async () =>
      (await server.api("GET", `/api/v1/app/${app.id}/msg/${badMsg.id}/endpoint`)).body.data[0]?.statusText === "fail",
    { what: "the failing delivery to be final" },
  );

  const { status, text, type } = await scrape(server.token);
  expect(status).toBe(200);
  expect(type).toContain("text/plain");
  const samples = parsePrometheus(text);
  expect(value(samples, "hooklane_messages_accepted_total")).toBe(4);
  expect(value(samples, "hooklane_deliveries_created_total")).toBe(4);
  const counter = "hooklane_delivery_attempts_total";
  expect(value(samples, counter, { outcome: "succeeded", status_class: "2xx" })).toBe(3);
  expect(value(samples, counter, { outcome: "retry", status_class: "5xx" })).toBe(3);
  expect(value(samples, counter, { outcome: "failed", status_class: "5xx" })).toBe(1);
  const histogram = "hooklane_delivery_attempt_duration_seconds_count";
  expect(
    (value(samples, histogram, { status_class: "2xx" }) ?? 0) +
      (value(samples, histogram, { status_class: "5xx" }) ?? 0),
  ).toBe(7);
  expect(value(samples, "hooklane_delivery_backlog")).toBe(0);
  expect(value(samples, "hooklane_delivery_oldest_due_age_seconds")).toBe(0);
  expect(value(samples, "hooklane_worker_in_flight_requests")).toBe(0);
  expect(value(samples, "nodejs_eventloop_lag_seconds")).toBeGreaterThanOrEqual(0);
  // SQLite group commits: every publish and result batch above went through one, each synced.
  const commits = value(samples, "hooklane_sqlite_commit_duration_seconds_count") ?? 0;
  expect(commits).toBeGreaterThanOrEqual(5);
  expect(value(samples, "hooklane_sqlite_wal_sync_duration_seconds_count")).toBe(commits);
  expect(value(samples, "hooklane_sqlite_commit_transactions_count")).toBe(commits);
  expect(value(samples, "hooklane_sqlite_commit_transactions_sum")).toBeGreaterThanOrEqual(commits);
  expect(value(samples, "hooklane_sqlite_wal_sync_duration_seconds_sum")).toBeGreaterThan(0);
  expect(value(samples, "hooklane_endpoints_not_flowing", { state: "disabled" })).toBe(0);

  // Disabling the failing endpoint shows in the endpoint-state gauge.
  await server.api("PATCH", `/api/v1/app/${app.id}/endpoint/${bad.id}`, { disabled: true });
  const after = parsePrometheus((await scrape(server.token)).text);
  expect(value(after, "hooklane_endpoints_not_flowing", { state: "disabled" })).toBe(1);
  expect(value(after, "hooklane_endpoints_not_flowing", { state: "circuit_open" })).toBe(0);
  // Bounded labels: no ids anywhere.
  expect(text).not.toMatch(/(msg|ep|app)_[0-9A-Z]{26}/);
});

it("needs the admin or scrape token unless metricsPublic", async () => {
  expect((await scrape()).status).toBe(401);
  expect((await scrape("wrong-token-0123456789")).status).toBe(401);
  expect((await scrape(SCRAPE_TOKEN)).status).toBe(200);
  // The scrape token opens /metrics only.
  expect((await server.api("GET", "/api/v1/app", undefined, { token: SCRAPE_TOKEN })).status).toBe(401);

  const open = await startTestServer({ metricsPublic: true });
  try {
    const response = await fetch(open.url + "/metrics");
    expect(response.status).toBe(200);
  } finally {
    await open.stop();
  }
});

it("answers with a request id, ours or the caller's", async () => {
  const generated = await fetch(server.url + "/api/v1/health");
  expect(generated.headers.get("x-request-id")).toMatch(/^req_/);
  const given = await fetch(server.url + "/api/v1/health", { headers: { "x-request-id": "trace-42" } });
  expect(given.headers.get("x-request-id")).toBe("trace-42");
});
