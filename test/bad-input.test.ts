// Bad input gets a 4xx with a useful JSON body, never a 5xx, and writes nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./helpers/server.js";

let server: TestServer;
let appId: string;
let endpointId: string;

beforeAll(async () => {
  server = await startTestServer({ bodyLimitBytes: 4096 });
  const app = await server.svix.application.create({ name: "Bad input", uid: "bad-input" });
  appId = app.id;
  endpointId = (await server.svix.endpoint.create(app.id, { url: "https://example.com/hook" })).id;
});

afterAll(() => server.stop());

interface Case {
  name: string;
  method: string;
  path: () => string;
  body?: unknown;
  headers?: Record<string, string>;
  token?: string;
  status: number;
  /** A fragment the body must contain, naming what was wrong. */
  says: string | RegExp;
}

const cases: Case[] = [
  {
    name: "malformed JSON",
    method: "POST",
    path: () => `/api/v1/app/${appId}/msg`,
    body: '{"eventType": "a.b", "payload": {',
    status: 400,
    says: "invalid_json",
  },
  {
    name: "wrong content type",
    method: "POST",
    path: () => `/api/v1/app/${appId}/msg`,
    body: "hello",
    headers: { "content-type": "text/plain" },
    status: 415,
    says: "application/json",
  },
  {
    name: "missing eventType",
    method: "POST",
    path: () => `/api/v1/app/${appId}/msg`,
    body: { payload: {} },
    status: 422,
    says: '"loc":["body","eventType"]',
  },
  {
    name: "payload not an object",
    method: "POST",
    path: () => `/api/v1/app/${appId}/msg`,
    body: { eventType: "a.b", payload: [1, 2] },
    status: 422,
    says: '"loc":["body","payload"]',
  },
  {
    name: "eventType with spaces",
    method: "POST",
    path: () => `/api/v1/app/${appId}/msg`,
    body: { eventType: "a b", payload: {} },
    status: 422,
    says: '"loc":["body","eventType"]',
  },
  {
    name: "channel with bad characters",
    method: "POST",
    path: () => `/api/v1/app/${appId}/msg`,
    body: { eventType: "a.b", payload: {}, channels: ["no/slash"] },
    status: 422,
    says: '"loc":["body","channels",0]',
  },
  {
    name: "wrong type for name",
    method: "POST",
    path: () => "/api/v1/app",
    body: { name: 123 },
    status: 422,
    says: '"loc":["body","name"]',
  },
  {
    name: "invalid endpoint URL",
    method: "POST",
    path: () => `/api/v1/app/${appId}/endpoint`,
    body: { url: "not a url" },
    status: 422,
    says: '"loc":["body","url"]',
  },
  {
    name: "non-http endpoint URL",
    method: "POST",
    path: () => `/api/v1/app/${appId}/endpoint`,
    body: { url: "ftp://example.com/x" },
    status: 422,
    says: "http or https",
  },
  {
    name: "malformed secret",
    method: "POST",
    path: () => `/api/v1/app/${appId}/endpoint`,
    body: { url: "https://example.com", secret: "short" },
    status: 422,
    says: '"loc":["body","secret"]',
  },
  {
    name: "reserved custom header",
    method: "POST",
    path: () => `/api/v1/app/${appId}/endpoint`,
    body: { url: "https://example.com", headers: { "webhook-signature": "x" } },
    status: 422,
    says: "cannot be overridden",
  },
  {
    name: "limit out of range",
    method: "GET",
    path: () => `/api/v1/app/${appId}/msg?limit=0`,
    status: 422,
    says: '"loc":["query","limit"]',
  },
  {
    name: "limit not a number",
    method: "GET",
    path: () => `/api/v1/app/${appId}/msg?limit=abc`,
    status: 422,
    says: '"loc":["query","limit"]',
  },
  {
    name: "bad date filter",
    method: "GET",
    path: () => `/api/v1/app/${appId}/msg?before=yesterday`,
    status: 422,
    says: '"loc":["query","before"]',
  },
  {
    name: "unknown application",
    method: "GET",
    path: () => "/api/v1/app/app_doesnotexist/msg",
    status: 404,
    says: "Application not found",
  },
  {
    name: "unknown endpoint",
    method: "GET",
    path: () => `/api/v1/app/${appId}/endpoint/ep_nope`,
    status: 404,
    says: "Endpoint not found",
  },
  {
    name: "unknown message",
    method: "GET",
    path: () => `/api/v1/app/${appId}/msg/msg_nope`,
    status: 404,
    says: "Message not found",
  },
  {
    name: "unknown attempt",
    method: "GET",
    path: () => `/api/v1/app/${appId}/msg/msg_nope/attempt/atmpt_x`,
    status: 404,
    says: "not found",
  },
  { name: "unknown route", method: "GET", path: () => "/api/v1/nothing-here", status: 404, says: "No route" },
  {
    name: "duplicate application uid",
    method: "POST",
    path: () => "/api/v1/app",
    body: { name: "again", uid: "bad-input" },
    status: 409,
    says: "already exists",
  },
  {
    name: "oversized body",
    method: "POST",
    path: () => `/api/v1/app/${appId}/msg`,
    body: { eventType: "a.b", payload: { big: "x".repeat(5000) } },
    status: 413,
    says: "payload_too_large",
  },
  { name: "no token", method: "GET", path: () => "/api/v1/app", token: "", status: 401, says: "Bearer" },
  {
    name: "wrong token",
    method: "GET",
    path: () => "/api/v1/app",
    token: "not-a-real-token",
    status: 401,
    says: "Invalid",
  },
  {
    name: "recover with until before since",
    method: "POST",
    path: () => `/api/v1/app/${appId}/endpoint/${endpointId}/recover`,
    body: { since: "2026-01-02T00:00:00Z", until: "2026-01-01T00:00:00Z" },
    status: 422,
    says: '"loc":["body","until"]',
  },
];

describe("bad input", () => {
  it.each(cases)("$name → $status", async (c) => {
    const headers: Record<string, string> = { ...c.headers };
    if (c.token !== undefined && c.token !== "") headers.authorization = `Bearer ${c.token}`;
    const response = await fetch(server.url + c.path(), {
      method: c.method,
      headers: {
        ...(c.token === undefined ? { authorization: `Bearer ${server.token}` } : {}),
        ...(c.body !== undefined ? { "content-type": "application/json" } : {}),
        ...headers,
      },
      body: c.body === undefined ? undefined : typeof c.body === "string" ? c.body : JSON.stringify(c.body),
    });
    const text = await response.text();
    expect(response.status, text).toBe(c.status);
    expect(response.headers.get("content-type")).toMatch(/application\/json/);
    const body = JSON.parse(text);
    if (c.status === 422) expect(Array.isArray(body.detail)).toBe(true);
    else expect(typeof body.code).toBe("string");
    if (typeof c.says === "string") expect(text).toContain(c.says);
    else expect(text).toMatch(c.says);
  });

  it("stored nothing for any rejected message", async () => {
    const messages = await server.svix.message.list(appId);
    expect(messages.data).toHaveLength(0);
    const endpoints = await server.svix.endpoint.list(appId);
    expect(endpoints.data).toHaveLength(1);
  });
});
