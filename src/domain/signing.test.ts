import { describe, expect, it } from "vitest";
import { Webhook } from "standardwebhooks";
import { Webhook as SvixWebhook } from "svix";
import { newSecret, sign, signatureHeader } from "./signing.js";

// The Standard Webhooks test vector (DESIGN.md §2.2).
const VECTOR = {
  secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
};

describe("signing", () => {
  it("matches the Standard Webhooks test vector", () => {
    expect(sign(VECTOR.secret, VECTOR.id, VECTOR.timestamp, VECTOR.body)).toBe(VECTOR.signature);
    expect(sign(VECTOR.secret.slice("whsec_".length), VECTOR.id, VECTOR.timestamp, VECTOR.body)).toBe(VECTOR.signature);
  });

  it("is accepted by the standardwebhooks and svix libraries", () => {
    const secret = newSecret();
    const now = Math.floor(Date.now() / 1000);
    const body = JSON.stringify({ hello: "world" });
    const headers = {
      "webhook-id": "msg_1",
      "webhook-timestamp": String(now),
      "webhook-signature": sign(secret, "msg_1", now, body),
    };
    expect(new Webhook(secret).verify(body, headers)).toEqual({ hello: "world" });
    expect(new SvixWebhook(secret).verify(body, headers)).toEqual({ hello: "world" });
  });

  it("mints whsec_ secrets of 24 random bytes", () => {
    const secret = newSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(Buffer.from(secret.slice(6), "base64")).toHaveLength(24);
    expect(newSecret()).not.toBe(secret);
  });

  it("adds a signature per retired secret until it expires", () => {
    const endpoint = { secret: newSecret(), retiredSecrets: [{ key: newSecret(), expiresAt: 2000 }] };
    expect(signatureHeader(endpoint, "msg_1", 1, "{}", 1999).split(" ")).toHaveLength(2);
    expect(signatureHeader(endpoint, "msg_1", 1, "{}", 2000).split(" ")).toHaveLength(1);
  });
});
