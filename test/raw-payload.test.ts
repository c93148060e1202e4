// Non-JSON payloads (Svix's transformationsParams.rawPayload): the body is sent byte for byte
// with its content type, and the signature covers exactly those bytes. JSON is unchanged.
import { createHmac, timingSafeEqual } from "node:crypto";
import { Webhook } from "standardwebhooks";
import { messageInRaw } from "svix";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startReceiver, type Receiver, type Received } from "./helpers/receiver.js";
import { startTestServer, type TestServer } from "./helpers/server.js";
import { waitFor } from "./helpers/wait.js";

let server: TestServer;
let receiver: Receiver;
let appId: string;
let secret: string;

beforeAll(async () => {
  receiver = await startReceiver();
  server = await startTestServer();
  appId = (await server.svix.application.create({ name: "Raw bodies" })).id;
  const endpoint = await server.svix.endpoint.create(appId, { url: receiver.url("/raw") });
  secret = (await server.svix.endpoint.getSecret(appId, endpoint.id)).key;
});

afterAll(async () => {
  await server.stop();
  await receiver.close();
});

/** A receiver's check over the bytes it got, with nothing but node:crypto. */
function signatureMatches(received: Received): boolean {
  const key = Buffer.from(secret.slice("whsec_".length), "base64");
  const content = Buffer.concat([
    Buffer.from(`${received.headers["webhook-id"]}.${received.headers["webhook-timestamp"]}.`),
    Buffer.from(received.body, "utf8"),
  ]);
  const expected = Buffer.from(`v1,${createHmac("sha256", key).update(content).digest("base64")}`);
  return received.headers["webhook-signature"]!.split(" ").some((candidate) => {
    const given = Buffer.from(candidate);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

async function delivered(msgId: string): Promise<Received> {
  return waitFor(() => receiver.forPath("/raw").find((r) => r.headers["webhook-id"] === msgId), {
    what: `delivery of ${msgId}`,
  });
}

it("sends an XML body byte for byte with its content type, signed over those bytes", async () => {
  const xml = '<?xml version="1.0" encoding="UTF-8"?>\n<order id="7">\n  <note>crème brûlée ✓</note>\n</order>\n';
  const message = await server.svix.message.create(appId, messageInRaw("order.created", xml, "application/xml"));
  const received = await delivered(message.id);
  expect(received.headers["content-type"]).toBe("application/xml");
  expect(received.body).toBe(xml);
  expect(signatureMatches(received)).toBe(true);
  expect(signatureMatches({ ...received, body: xml.replace("7", "8") })).toBe(false);

  const stored = await server.api("GET", `/api/v1/app/${appId}/msg/${message.id}`);
  expect(stored.body.payload).toEqual({});
  expect(stored.body.transformationsParams).toEqual({
    rawPayload: xml,
    headers: { "content-type": "application/xml" },
  });
});

it("sends a text/plain body as given, whitespace included", async () => {
  const text = "  line one\r\nline two\t\n";
  const sent = await server.api("POST", `/api/v1/app/${appId}/msg`, {
    eventType: "note.added",
    payload: {},
    transformationsParams: { rawPayload: text, headers: { "content-type": "text/plain; charset=utf-8" } },
  });
  expect(sent.status).toBe(202);
  const received = await delivered(sent.body.id);
  expect(received.headers["content-type"]).toBe("text/plain; charset=utf-8");
  expect(received.body).toBe(text);
  expect(signatureMatches(received)).toBe(true);
});

it("still sends JSON payloads minified as application/json, verifiable by standardwebhooks", async () => {
  const sent = await server.api("POST", `/api/v1/app/${appId}/msg`, {
    eventType: "json.event",
    payload: { nested: { list: [1, 2] }, text: "a b" },
  });
  const received = await delivered(sent.body.id);
  expect(received.headers["content-type"]).toBe("application/json");
  expect(received.body).toBe('{"nested":{"list":[1,2]},"text":"a b"}');
  expect(signatureMatches(received)).toBe(true);
  expect(new Webhook(secret).verify(received.body, received.headers)).toEqual({
    nested: { list: [1, 2] },
    text: "a b",
  });
});

it("refuses a content type that is not a media type, other headers, or a content type without a raw body", async () => {
  const post = (transformationsParams: unknown) =>
    server.api("POST", `/api/v1/app/${appId}/msg`, { eventType: "bad.event", payload: {}, transformationsParams });
  const badType = await post({ rawPayload: "x", headers: { "content-type": "text/plain\r\nx-injected: 1" } });
  expect(badType.status).toBe(422);
  expect(JSON.stringify(badType.body.detail[0].loc)).toContain("content-type");
  expect((await post({ rawPayload: "x", headers: { "x-other": "1" } })).status).toBe(422);
  const alone = await post({ headers: { "content-type": "application/xml" } });
  expect(alone.status).toBe(422);
  expect(alone.body.detail[0].loc).toEqual(["body", "transformationsParams", "headers"]);
});
