// Asymmetric signing: an endpoint with an ed25519 (`whsk_`) key signs real deliveries with
// `v1a,` signatures that verify with node:crypto and the `whpk_` public key the API hands
// out, in the database only encrypted, across rotations between keys and schemes.
import { createPublicKey, verify } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startReceiver, type Receiver, type Received } from "./helpers/receiver.js";
import { startTestServer, type TestServer } from "./helpers/server.js";
import { waitFor } from "./helpers/wait.js";

let server: TestServer;
let receiver: Receiver;

beforeAll(async () => {
  receiver = await startReceiver();
  server = await startTestServer({ mainSecret: "a-long-operator-main-secret-0123456789" });
});

afterAll(async () => {
  await server.stop();
  await receiver.close();
});

/** Verifies one `v1a,` signature the way a receiver would, with node:crypto alone. */
function verifiesWith(publicKey: string, received: Pick<Received, "headers" | "body">, signature: string): boolean {
  const key = createPublicKey({
    key: {
      kty: "OKP",
      crv: "Ed25519",
      x: Buffer.from(publicKey.slice("whpk_".length), "base64").toString("base64url"),
    },
    format: "jwk",
  });
  const content = `${received.headers["webhook-id"]}.${received.headers["webhook-timestamp"]}.${received.body}`;
  if (!signature.startsWith("v1a,")) return false;
  return verify(null, Buffer.from(content), key, Buffer.from(signature.slice(4), "base64"));
}

const signatures = (received: Received): string[] => received.headers["webhook-signature"]!.split(" ");

async function deliverOne(appId: string, path: string, payload: Record<string, unknown>): Promise<Received> {
  const before = receiver.forPath(path).length;
  await server.svix.message.create(appId, { eventType: "signed.event", payload });
  return waitFor(() => receiver.forPath(path)[before], { what: `a delivery to ${path}` });
}

describe("ed25519 endpoints", () => {
  it("sign deliveries with v1a that verify with the public key; tampering fails", async () => {
    const app = await server.svix.application.create({ name: "Asymmetric" });
    const created = await server.api("POST", `/api/v1/app/${app.id}/endpoint`, {
      url: receiver.url("/ed"),
      signatureScheme: "ed25519",
    });
    expect(created.status).toBe(201);
    const secret = await server.api("GET", `/api/v1/app/${app.id}/endpoint/${created.body.id}/secret`);
    expect(secret.body.key).toMatch(/^whsk_[A-Za-z0-9+/]{43}=$/);
    expect(secret.body.publicKey).toMatch(/^whpk_[A-Za-z0-9+/]{43}=$/);

    const received = await deliverOne(app.id, "/ed", { hello: "ed25519" });
    const [signature] = signatures(received);
    expect(signatures(received)).toHaveLength(1);
    expect(verifiesWith(secret.body.publicKey, received, signature!)).toBe(true);
    expect(
      verifiesWith(
        secret.body.publicKey,
        { ...received, body: received.body.replace("ed25519", "ed25518") },
        signature!,
      ),
    ).toBe(false);
    const otherId = { ...received, headers: { ...received.headers, "webhook-id": "msg_forged" } };
    expect(verifiesWith(secret.body.publicKey, otherId, signature!)).toBe(false);

    // The seed is in the database only encrypted.
    const seed = Buffer.from(secret.body.key.slice("whsk_".length));
    for (const path of [server.dbPath, `${server.dbPath}-wal`]) {
      let file: Buffer;
      try {
        file = readFileSync(path);
      } catch {
        continue;
      }
      expect(file.includes(seed)).toBe(false);
    }
  });

  it("accept a given whsk_ key (32-byte seed or 64-byte seed and public key) and refuse a malformed one", async () => {
    const app = await server.svix.application.create({ name: "Given keys" });
    const seed = Buffer.alloc(32, 7);
    const first = await server.api("POST", `/api/v1/app/${app.id}/endpoint`, {
      url: receiver.url("/given"),
      secret: `whsk_${seed.toString("base64")}`,
    });
    expect(first.status).toBe(201);
    const publicKey = (await server.api("GET", `/api/v1/app/${app.id}/endpoint/${first.body.id}/secret`)).body
      .publicKey;
    const publicRaw = Buffer.from(publicKey.slice("whpk_".length), "base64");

    const long = await server.api("POST", `/api/v1/app/${app.id}/endpoint`, {
      url: receiver.url("/given-long"),
      secret: `whsk_${Buffer.concat([seed, publicRaw]).toString("base64")}`,
    });
    expect(long.status).toBe(201);
    const longSecret = await server.api("GET", `/api/v1/app/${app.id}/endpoint/${long.body.id}/secret`);
    expect(longSecret.body).toEqual({ key: `whsk_${seed.toString("base64")}`, publicKey });

    const mismatched = await server.api("POST", `/api/v1/app/${app.id}/endpoint`, {
      url: receiver.url("/given-bad"),
      secret: `whsk_${Buffer.concat([seed, Buffer.alloc(32, 1)]).toString("base64")}`,
    });
    expect(mismatched.status).toBe(422);
    expect(mismatched.body.detail[0].loc).toEqual(["body", "secret"]);
    const wrongSize = await server.api("POST", `/api/v1/app/${app.id}/endpoint`, {
      url: receiver.url("/given-bad"),
      secret: `whsk_${Buffer.alloc(40, 3).toString("base64")}`,
    });
    expect(wrongSize.status).toBe(422);
    const contradicting = await server.api("POST", `/api/v1/app/${app.id}/endpoint`, {
      url: receiver.url("/given-bad"),
      secret: `whsk_${seed.toString("base64")}`,
      signatureScheme: "hmac-sha256",
    });
    expect(contradicting.status).toBe(422);
  });

  it("keep signing with the retired key during a rotation's grace, across schemes", async () => {
    const app = await server.svix.application.create({ name: "Rotating" });
    const endpoint = await server.svix.endpoint.create(app.id, { url: receiver.url("/rotate") });
    const hmacSecret = (await server.svix.endpoint.getSecret(app.id, endpoint.id)).key;
    const base = `/api/v1/app/${app.id}/endpoint/${endpoint.id}/secret`;

    // HMAC → ed25519: `v1a,` (new) then `v1,` (retired), space-separated.
    expect((await server.api("POST", `${base}/rotate`, { signatureScheme: "ed25519" })).status).toBe(204);
    const first = (await server.api("GET", base)).body;
    expect(first.key).toMatch(/^whsk_/);
    const received = await deliverOne(app.id, "/rotate", { step: 1 });
    const [v1a, v1] = signatures(received);
    expect(verifiesWith(first.publicKey, received, v1a!)).toBe(true);
    expect(v1).toMatch(/^v1,/);
    const { Webhook } = await import("standardwebhooks");
    expect(new Webhook(hmacSecret).verify(received.body, received.headers)).toEqual({ step: 1 });

    // ed25519 → ed25519 without a key: a new key of the same scheme; both sign meanwhile.
    expect((await server.api("POST", `${base}/rotate`, {})).status).toBe(204);
    const second = (await server.api("GET", base)).body;
    expect(second.key).toMatch(/^whsk_/);
    expect(second.publicKey).not.toBe(first.publicKey);
    const next = await deliverOne(app.id, "/rotate", { step: 2 });
    const sigs = signatures(next);
    // Current key first, then the retired ones oldest first: the HMAC secret, the first ed25519 key.
    expect(sigs).toHaveLength(3);
    expect(verifiesWith(second.publicKey, next, sigs[0]!)).toBe(true);
    expect(sigs[1]).toMatch(/^v1,/);
    expect(verifiesWith(first.publicKey, next, sigs[2]!)).toBe(true);
    expect(verifiesWith(first.publicKey, next, sigs[0]!)).toBe(false);
  });
});
