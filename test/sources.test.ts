// Inbound sources end to end: real HTTP to /in/{source_id} on an in-process server, each
// verification scheme with a valid, a tampered and a stale (or replayed) request, size and
// rate limits, deduplication, forwarding to an endpoint, and listing and replay via the API.
import { createHmac } from "node:crypto";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startReceiver, type Receiver } from "./helpers/receiver.js";
import { startTestServer, type TestServer } from "./helpers/server.js";
import { waitFor } from "./helpers/wait.js";

let server: TestServer;
let receiver: Receiver;
let appId: string;

const SW_SECRET = "whsec_" + Buffer.from("inbound-standard-webhooks-key-32b").toString("base64");
const nowSeconds = (): number => Math.floor(Date.now() / 1000);
const STALE_SECONDS = 10 * 60;
const hmacOf = (algorithm: string, secret: string, data: string, encoding: "hex" | "base64" = "hex") =>
  createHmac(algorithm, secret).update(data).digest(encoding);

beforeAll(async () => {
  receiver = await startReceiver();
  server = await startTestServer();
  appId = (await server.api("POST", "/api/v1/app", { name: "inbound" })).body.id;
  const endpoint = await server.api("POST", `/api/v1/app/${appId}/endpoint`, { url: receiver.url("/forwarded") });
  expect(endpoint.status).toBe(201);
});

afterAll(async () => {
  await server?.stop();
  await receiver?.close();
});

async function createSource(input: Record<string, unknown>): Promise<any> {
  const response = await server.api("POST", "/api/v1/source", { name: "test", appId, ...input });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body;
}

async function post(sourceId: string, body: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${server.url}/in/${sourceId}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as any };
}

/** The forwards that carried `marker` in their body. */
const forwardsOf = (marker: string) => receiver.forPath("/forwarded").filter((r) => r.body.includes(marker));

interface SchemeCase {
  name: string;
  verification: Record<string, unknown>;
  deliveryIdHeader?: string;
  /** Headers that authenticate `body`, signed at `seconds` where the scheme has a timestamp. */
  sign(body: string, seconds: number, deliveryId: string): Record<string, string>;
  /** Schemes with a signed timestamp reject a stale one; the others see a replay as a duplicate. */
  timestamped: boolean;
  /** Credentials that are almost right (schemes that do not sign the body: a changed body passes). */
  forge?(deliveryId: string): Record<string, string>;
}

const SCHEMES: SchemeCase[] = [
  {
    name: "standard-webhooks (webhook-* headers)",
    verification: { type: "standard-webhooks", secret: SW_SECRET },
    timestamped: true,
    sign: (body, seconds, id) => {
      const signature = new Webhook(SW_SECRET).sign(id, new Date(seconds * 1000), body);
      return { "webhook-id": id, "webhook-timestamp": String(seconds), "webhook-signature": signature };
    },
  },
  {
    name: "standard-webhooks (svix-* headers)",
    verification: { type: "standard-webhooks", secret: SW_SECRET },
    timestamped: true,
    sign: (body, seconds, id) => {
      const signature = new Webhook(SW_SECRET).sign(id, new Date(seconds * 1000), body);
      return { "svix-id": id, "svix-timestamp": String(seconds), "svix-signature": signature };
    },
  },
  {
    name: "stripe",
    verification: { type: "stripe", secret: "whsec_stripe_test_secret" },
    timestamped: true,
    // The delivery id is the event id in the body (see the body builder below).
    sign: (body, seconds) => ({
      "stripe-signature": `t=${seconds},v1=${hmacOf("sha256", "whsec_stripe_test_secret", `${seconds}.${body}`)}`,
    }),
  },
  {
    name: "github",
    verification: { type: "github", secret: "gh-secret" },
    timestamped: false,
    sign: (body, _seconds, id) => ({
      "x-hub-signature-256": "sha256=" + hmacOf("sha256", "gh-secret", body),
      "x-github-delivery": id,
      "x-github-event": "push",
    }),
  },
  {
    name: "shopify",
    verification: { type: "shopify", secret: "shop-secret" },
    timestamped: false,
    sign: (body, _seconds, id) => ({
      "x-shopify-hmac-sha256": hmacOf("sha256", "shop-secret", body, "base64"),
      "x-shopify-webhook-id": id,
      "x-shopify-topic": "orders/create",
    }),
  },
  {
    name: "hmac sha512 base64 with a prefix",
    verification: {
      type: "hmac",
      secret: "generic",
      header: "X-Signature",
      algorithm: "sha512",
      encoding: "base64",
      prefix: "sha512=",
    },
    deliveryIdHeader: "Idempotency-Key",
    timestamped: false,
    sign: (body, _s, id) => ({
      "x-signature": "sha512=" + hmacOf("sha512", "generic", body, "base64"),
      "idempotency-key": id,
    }),
  },
  {
    name: "hmac sha1 hex",
    verification: { type: "hmac", secret: "generic1", header: "X-Sig", algorithm: "sha1" },
    deliveryIdHeader: "Idempotency-Key",
    timestamped: false,
    sign: (body, _s, id) => ({ "x-sig": hmacOf("sha1", "generic1", body), "idempotency-key": id }),
  },
  {
    name: "basic-auth",
    verification: { type: "basic-auth", username: "shop", secret: "pa55word" },
    deliveryIdHeader: "Idempotency-Key",
    timestamped: false,
    sign: (_b, _s, id) => ({
      authorization: "Basic " + Buffer.from("shop:pa55word").toString("base64"),
      "idempotency-key": id,
    }),
    forge: (id) => ({
      authorization: "Basic " + Buffer.from("shop:pa55wore").toString("base64"),
      "idempotency-key": id,
    }),
  },
  {
    name: "bearer",
    verification: { type: "bearer", secret: "inbound-token-1" },
    deliveryIdHeader: "Idempotency-Key",
    timestamped: false,
    sign: (_b, _s, id) => ({ authorization: "Bearer inbound-token-1", "idempotency-key": id }),
    forge: (id) => ({ authorization: "Bearer inbound-token-2", "idempotency-key": id }),
  },
];

describe("verification schemes", () => {
  it.each(SCHEMES)("$name: valid is forwarded, tampered is 401, stale or replayed is not forwarded", async (c) => {
    const source = await createSource({ verification: c.verification, deliveryIdHeader: c.deliveryIdHeader });
    const marker = `m-${source.id}`;
    const deliveryId = `evt_${source.id}`;
    const body = JSON.stringify({ id: deliveryId, type: "invoice.paid", marker });

    const valid = await post(source.id, body, c.sign(body, nowSeconds(), deliveryId));
    expect(valid.status, JSON.stringify(valid.body)).toBe(200);
    expect(valid.body).toMatchObject({ duplicate: false, id: expect.stringMatching(/^inreq_/) });
    const [forward] = await waitFor(() => (forwardsOf(marker).length > 0 ? forwardsOf(marker) : null), {
      what: c.name,
    });
    expect(forward!.body).toBe(body);

    const tampered = c.forge
      ? await post(source.id, body, c.forge("other-id"))
      : await post(source.id, body.replace("invoice.paid", "invoice.void"), c.sign(body, nowSeconds(), "other-id"));
    expect(tampered.status).toBe(401);
    expect(tampered.body).toMatchObject({ code: "unauthorized", detail: expect.any(String) });

    const unsigned = await post(source.id, body, {});
    expect(unsigned.status).toBe(401);

    if (c.timestamped) {
      const staleBody = JSON.stringify({ id: `${deliveryId}_stale`, type: "x", marker: `${marker}-stale` });
      const stale = await post(
        source.id,
        staleBody,
        c.sign(staleBody, nowSeconds() - STALE_SECONDS, `${deliveryId}_stale`),
      );
      expect(stale.status).toBe(401);
      expect(stale.body.detail).toMatch(/timestamp/);
    } else {
      // No timestamp in these schemes: a captured request sent again is the same delivery.
      const replayed = await post(source.id, body, c.sign(body, nowSeconds(), deliveryId));
      expect(replayed.status).toBe(200);
      expect(replayed.body).toEqual({ ...valid.body, duplicate: true });
    }
    const requests = await server.api("GET", `/api/v1/source/${source.id}/request`);
    expect(requests.body.data).toHaveLength(1);
    expect(forwardsOf(marker)).toHaveLength(1);
  });

  it("none: anything is accepted and forwarded", async () => {
    const source = await createSource({ verification: { type: "none" } });
    const response = await post(source.id, JSON.stringify({ marker: `none-${source.id}` }));
    expect(response.status).toBe(200);
    await waitFor(() => forwardsOf(`none-${source.id}`).length === 1);
  });
});

describe("limits and deduplication", () => {
  it("answers 413 over the source's body limit and stores nothing", async () => {
    const source = await createSource({ verification: { type: "none" }, maxBodyBytes: 64 });
    const big = await post(source.id, JSON.stringify({ pad: "x".repeat(100) }));
    expect(big.status).toBe(413);
    expect(big.body.code).toBe("payload_too_large");
    expect(await post(source.id, "{}")).toMatchObject({ status: 200 });
    expect((await server.api("GET", `/api/v1/source/${source.id}/request`)).body.data).toHaveLength(1);
  });

  it("rate-limits per source with 429 and Retry-After, not counting rejected signatures", async () => {
    const source = await createSource({ verification: { type: "bearer", secret: "t" }, rateLimit: 1, rateBurst: 2 });
    const auth = { authorization: "Bearer t" };
    // Bad tokens first: they are refused before the bucket, so they take nothing from it.
    for (let i = 0; i < 3; i++)
      expect((await post(source.id, "{}", { authorization: "Bearer nope" })).status).toBe(401);
    const started = Date.now();
    const answers = await Promise.all(Array.from({ length: 8 }, () => post(source.id, "{}", auth)));
    const elapsedSeconds = (Date.now() - started) / 1000;
    const accepted = answers.filter((a) => a.status === 200);
    const limited = answers.filter((a) => a.status === 429);
    expect(accepted.length + limited.length).toBe(8);
    // Two at once, then one per second at most, however slow this machine is.
    expect(accepted.length).toBeGreaterThanOrEqual(2);
    expect(accepted.length).toBeLessThanOrEqual(2 + Math.ceil(elapsedSeconds));
    expect(limited[0]!.headers.get("retry-after")).toMatch(/^[1-9]\d*$/);
    expect(limited[0]!.body.code).toBe("rate_limited");
  });

  it("answers a repeated delivery id as a duplicate, once per window", async () => {
    const source = await createSource({ verification: { type: "none" }, deliveryIdHeader: "X-Delivery" });
    const first = await post(source.id, '{"n":1}', { "x-delivery": "d-1" });
    const again = await post(source.id, '{"n":1}', { "x-delivery": "d-1" });
    const other = await post(source.id, '{"n":2}', { "x-delivery": "d-2" });
    expect(again.body).toEqual({ ...first.body, duplicate: true });
    expect(other.body.duplicate).toBe(false);
    expect((await server.api("GET", `/api/v1/source/${source.id}/request`)).body.data).toHaveLength(2);

    // A window of 0 s: a repeat a moment later is a new delivery.
    const noWindow = await createSource({
      verification: { type: "none" },
      deliveryIdHeader: "X-Delivery",
      dedupeWindowSeconds: 0,
    });
    const a = await post(noWindow.id, "{}", { "x-delivery": "d-1" });
    // A repeat in a later millisecond is outside the window.
    const b = await waitFor(async () => {
      const r = await post(noWindow.id, "{}", { "x-delivery": "d-1" });
      return r.body.duplicate === false ? r : null;
    });
    expect(b.body.id).not.toBe(a.body.id);
  });
});

describe("forwarding and the API", () => {
  it("forwards the exact body with the event type from a header, lists it, and replays it", async () => {
    const source = await createSource({
      uid: "github-main",
      verification: { type: "github", secret: "gh" },
    });
    expect(source.ingestUrl).toBe(`${server.url}/in/${source.id}`);
    expect(source.verification).toEqual({ type: "github" });
    expect(source.eventType).toEqual({ from: "header", name: "x-github-event" });
    // Not minified, with odd spacing: the forward must keep every byte.
    const body = '{ "zen" :  "Keep it logically awesome.",\n "marker": "gh-forward" }';
    const headers = {
      "x-hub-signature-256": "sha256=" + hmacOf("sha256", "gh", body),
      "x-github-event": "pull_request",
      "x-github-delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958",
    };
    // The uid works in the ingest URL too.
    const accepted = await post("github-main", body, headers);
    expect(accepted.status).toBe(200);
    const [forward] = await waitFor(() => (forwardsOf("gh-forward").length === 1 ? forwardsOf("gh-forward") : null));
    expect(forward!.body).toBe(body);
    expect(forward!.headers["webhook-signature"]).toMatch(/^v1,/);

    const message = await server.api("GET", `/api/v1/app/${appId}/msg/${accepted.body.messageId}`);
    expect(message.body.eventType).toBe("pull_request");

    const listed = await server.api("GET", `/api/v1/source/github-main/request`);
    expect(listed.body).toMatchObject({ done: true, data: [{ id: accepted.body.id }] });
    const stored = await server.api("GET", `/api/v1/source/${source.id}/request/${accepted.body.id}`);
    expect(stored.body).toMatchObject({
      body,
      bodyBase64: Buffer.from(body).toString("base64"),
      deliveryId: headers["x-github-delivery"],
      eventType: "pull_request",
      messageId: accepted.body.messageId,
      headers: { "x-github-event": "pull_request", "x-hub-signature-256": headers["x-hub-signature-256"] },
    });

    const replay = await server.api("POST", `/api/v1/source/${source.id}/request/${accepted.body.id}/replay`);
    expect(replay.status).toBe(202);
    expect(replay.body.messageId).not.toBe(accepted.body.messageId);
    await waitFor(() => forwardsOf("gh-forward").length === 2);
    expect(forwardsOf("gh-forward")[1]!.body).toBe(body);
  });

  it("takes the event type from a JSON path, maps names that are not identifiers, and wraps non-JSON bodies", async () => {
    const source = await createSource({
      verification: { type: "none" },
      eventType: { from: "json", path: "data.kind", fallback: "unknown" },
    });
    const typed = await post(source.id, JSON.stringify({ data: { kind: "orders/create" } }));
    const form = await fetch(`${server.url}/in/${source.id}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "a=1&marker=form-body",
    });
    const formBody = (await form.json()) as any;
    const byId = async (id: string) => (await server.api("GET", `/api/v1/app/${appId}/msg/${id}`)).body;
    expect((await byId(typed.body.messageId)).eventType).toBe("orders.create");
    const wrapped = await byId(formBody.messageId);
    expect(wrapped.eventType).toBe("unknown");
    expect(wrapped.payload).toEqual({ contentType: "application/x-www-form-urlencoded", body: "a=1&marker=form-body" });
  });

  it("manages sources: 422 names the missing field, 409 on a taken uid, 404s, update and delete", async () => {
    const missing = await server.api("POST", "/api/v1/source", { name: "x", appId, verification: { type: "stripe" } });
    expect(missing.status).toBe(422);
    expect(missing.body.detail[0].loc).toEqual(["body", "verification", "secret"]);
    const badType = await server.api("POST", "/api/v1/source", { name: "x", appId, verification: { type: "md5" } });
    expect(badType.status).toBe(422);
    const noApp = await server.api("POST", "/api/v1/source", {
      name: "x",
      appId: "nope",
      verification: { type: "none" },
    });
    expect(noApp.status).toBe(404);

    const source = await createSource({ uid: "taken", verification: { type: "bearer", secret: "b" } });
    const taken = await server.api("POST", "/api/v1/source", {
      name: "y",
      uid: "taken",
      appId,
      verification: { type: "none" },
    });
    expect(taken.status).toBe(409);
    expect(taken.body.code).toBe("conflict");

    const updated = await server.api("PUT", `/api/v1/source/${source.id}`, {
      name: "renamed",
      uid: "taken",
      appId,
      verification: { type: "bearer", secret: "new-token" },
      rateLimit: 10,
    });
    expect(updated.body).toMatchObject({ id: source.id, name: "renamed", rateLimit: 10 });
    expect((await post(source.id, "{}", { authorization: "Bearer b" })).status).toBe(401);
    expect((await post(source.id, "{}", { authorization: "Bearer new-token" })).status).toBe(200);

    const page = await server.api("GET", "/api/v1/source?limit=1");
    expect(page.body).toMatchObject({
      done: false,
      data: [expect.objectContaining({ id: expect.stringMatching(/^src_/) })],
    });
    expect(JSON.stringify((await server.api("GET", "/api/v1/source?limit=250")).body)).not.toContain("new-token");

    expect((await server.api("DELETE", `/api/v1/source/${source.id}`)).status).toBe(204);
    expect((await server.api("GET", `/api/v1/source/${source.id}`)).status).toBe(404);
    const gone = await post(source.id, "{}");
    expect(gone.status).toBe(404);

    const noToken = await fetch(`${server.url}/api/v1/source`);
    expect(noToken.status).toBe(401);
    const openapi = (await server.api("GET", "/api/v1/openapi.json")).body;
    expect(Object.keys(openapi.paths)).toEqual(
      expect.arrayContaining([
        "/api/v1/source",
        "/api/v1/source/{source_id}/request/{request_id}/replay",
        "/in/{source_id}",
      ]),
    );
  });

  it("counts inbound requests by scheme and result in /metrics", async () => {
    const response = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${server.token}` } });
    const text = await response.text();
    expect(text).toMatch(/hooklane_inbound_requests_total\{scheme="github",result="accepted"\} [1-9]/);
    expect(text).toMatch(/hooklane_inbound_requests_total\{scheme="bearer",result="rate_limited"\} [1-9]/);
    expect(text).toMatch(/hooklane_inbound_requests_total\{scheme="unknown_source",result="not_found"\} [1-9]/);
  });
});
