import { generateKeyPairSync, sign as cryptoSign } from "node:crypto";
import { expect, it } from "vitest";
import { Webhook } from "standardwebhooks";
import { publicKey, sign } from "./signing.js";
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

it("checks v1a signatures with a whpk_ public key; our whsk_ signing matches node:crypto's", () => {
  const pair = generateKeyPairSync("ed25519");
  const seed = Buffer.from(String(pair.privateKey.export({ format: "jwk" }).d), "base64url");
  const publicRaw = Buffer.from(String(pair.publicKey.export({ format: "jwk" }).x), "base64url");
  const body = "<xml>é</xml>";
  const independent = `v1a,${cryptoSign(null, Buffer.from(`m.${seconds}.${body}`), pair.privateKey).toString("base64")}`;
  expect(sign(`whsk_${seed.toString("base64")}`, "m", seconds, body)).toBe(independent);
  expect(publicKey(`whsk_${seed.toString("base64")}`)).toBe(`whpk_${publicRaw.toString("base64")}`);

  const request = { id: "m", timestamp: String(seconds), signature: `v1,bm90LXRoaXMtb25l ${independent}`, body };
  expect(verifySignature(`whpk_${publicRaw.toString("base64")}`, request, now)).toEqual({ valid: true });
  expect(verifySignature(`whpk_${publicRaw.toString("base64")}`, { ...request, body: "<xml>e</xml>" }, now).valid).toBe(
    false,
  );
  const other = Buffer.from(String(generateKeyPairSync("ed25519").publicKey.export({ format: "jwk" }).x), "base64url");
  expect(verifySignature(`whpk_${other.toString("base64")}`, request, now).valid).toBe(false);
});
