import { expect, it } from "vitest";
import { Webhook } from "standardwebhooks";
import { sign } from "./signing.js";
import { verifySignature } from "./verify.js";

const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const now = 1_700_000_000_000;
const seconds = now / 1000;

it("accepts what the standardwebhooks package signs, and rejects a tampered body", () => {
  const body = '{"hello":"world"}';
  const signature = new Webhook(secret).sign("msg_1", new Date(now), body);
  expect(verifySignature(secret, { id: "msg_1", timestamp: String(seconds), signature, body }, now)).toEqual({
    valid: true,
  });
  const tampered = verifySignature(secret, { id: "msg_1", timestamp: String(seconds), signature, body: "{}" }, now);
  expect(tampered.valid).toBe(false);
});

it("accepts any one of several signatures and refuses old timestamps unless told not to check", () => {
  const signature = `v1,bm90LXRoaXMtb25l ${sign(secret, "m", seconds, "b")}`;
  const request = { id: "m", timestamp: String(seconds), signature, body: "b" };
  expect(verifySignature(secret, request, now).valid).toBe(true);
  expect(verifySignature(secret, request, now + 3600_000).valid).toBe(false);
  expect(verifySignature(secret, request, now + 3600_000, null).valid).toBe(true);
});
