// Authenticating an inbound request by its source's scheme. Every comparison of a secret or a
// signature goes through `sameSecret` (constant time, whatever the lengths), and schemes with
// a signed timestamp reject requests outside the tolerance, so a captured request cannot be
// replayed later. Providers' references: GitHub "Validating webhook deliveries", Stripe
// "Verify webhook signatures manually", Shopify "Verify webhooks", standardwebhooks.com.
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { DEFAULT_TOLERANCE_SECONDS, type HmacAlgorithm, type SourceVerification } from "./source.js";
import { signatureHeaders, verifySignature, type Verification } from "./verify.js";

export type Headers = Record<string, string | string[] | undefined>;

export interface ReceivedRequest {
  headers: Headers;
  body: Buffer;
}

/** Compares in constant time: hashing first makes the lengths equal, so length leaks nothing. */
export function sameSecret(given: string | Buffer, expected: string | Buffer): boolean {
  const digest = (value: string | Buffer): Buffer => createHash("sha256").update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

export function header(headers: Headers, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

const hmac = (algorithm: HmacAlgorithm, secret: string, data: Buffer | string): Buffer =>
  createHmac(algorithm, secret).update(data).digest();

const fail = (reason: string): Verification => ({ valid: false, reason });
const OK: Verification = { valid: true };

export function verifyInbound(v: SourceVerification, request: ReceivedRequest, nowMs: number): Verification {
  const secret = v.secret ?? "";
  switch (v.type) {
    case "none":
      return OK;
    case "standard-webhooks":
      return verifySignature(
        secret,
        { ...signatureHeaders(request.headers), body: request.body.toString("utf8") },
        nowMs,
        v.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS,
      );
    case "github":
      return verifyPrefixedHex(request, "x-hub-signature-256", "sha256=", hmac("sha256", secret, request.body));
    case "shopify": {
      const given = header(request.headers, "x-shopify-hmac-sha256");
      if (!given) return fail("missing X-Shopify-Hmac-Sha256");
      const expected = hmac("sha256", secret, request.body).toString("base64");
      return sameSecret(given.trim(), expected) ? OK : fail("signature does not match");
    }
    case "stripe":
      return verifyStripe(secret, request, nowMs, v.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS);
    case "hmac":
      return verifyGenericHmac(v, secret, request);
    case "basic-auth": {
      const expected = "Basic " + Buffer.from(`${v.username ?? ""}:${secret}`).toString("base64");
      const given = header(request.headers, "authorization");
      if (!given) return fail("missing Authorization");
      return sameSecret(given.trim(), expected) ? OK : fail("wrong user name or password");
    }
    case "bearer": {
      const given = /^Bearer\s+(\S+)\s*$/i.exec(header(request.headers, "authorization") ?? "")?.[1];
      if (!given) return fail("missing bearer token");
      return sameSecret(given, secret) ? OK : fail("wrong token");
    }
  }
}

function verifyPrefixedHex(request: ReceivedRequest, name: string, prefix: string, expected: Buffer): Verification {
  const given = header(request.headers, name);
  if (!given) return fail(`missing ${name}`);
  if (!given.startsWith(prefix)) return fail(`${name} does not start with ${prefix}`);
  return sameSecret(given.slice(prefix.length).trim().toLowerCase(), expected.toString("hex"))
    ? OK
    : fail("signature does not match");
}

/** `Stripe-Signature: t=<unix s>,v1=<hex>[,v1=…]`, signed over `${t}.${body}` with the whole secret. */
function verifyStripe(secret: string, request: ReceivedRequest, nowMs: number, toleranceSeconds: number): Verification {
  const value = header(request.headers, "stripe-signature");
  if (!value) return fail("missing Stripe-Signature");
  const pairs = value.split(",").map((part) => part.trim().split("=", 2) as [string, string | undefined]);
  const t = pairs.find(([k]) => k === "t")?.[1];
  const candidates = pairs.filter(([k, s]) => k === "v1" && s).map(([, s]) => s!.toLowerCase());
  if (!t || !/^\d+$/.test(t) || candidates.length === 0) return fail("Stripe-Signature needs t= and v1=");
  if (Math.abs(nowMs / 1000 - Number(t)) > toleranceSeconds) {
    return fail(`timestamp is more than ${toleranceSeconds} s away from now`);
  }
  const expected = hmac("sha256", secret, Buffer.concat([Buffer.from(`${t}.`), request.body])).toString("hex");
  // Every candidate is compared, so the time taken does not tell which one matched.
  const matches = candidates.map((c) => sameSecret(c, expected));
  return matches.includes(true) ? OK : fail("signature does not match");
}

function verifyGenericHmac(v: SourceVerification, secret: string, request: ReceivedRequest): Verification {
  const name = v.header ?? "x-signature";
  const prefix = v.prefix ?? "";
  const digest = hmac(v.algorithm ?? "sha256", secret, request.body);
  if ((v.encoding ?? "hex") === "hex") return verifyPrefixedHex(request, name, prefix, digest);
  const given = header(request.headers, name);
  if (!given) return fail(`missing ${name}`);
  if (!given.startsWith(prefix)) return fail(`${name} does not start with ${prefix}`);
  return sameSecret(given.slice(prefix.length).trim(), digest.toString("base64"))
    ? OK
    : fail("signature does not match");
}
