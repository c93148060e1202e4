// Signature and address checks behind webhook's payload-hmac-*, scalr-signature and
// ip-whitelist rules, and Hooklane's standard-webhooks rule. HMACs are compared in constant time; a mismatch is a SignatureError so
// that trigger-signature-soft-failures can turn it into "not matched".
import { createHmac, timingSafeEqual } from "node:crypto";
import { BlockList, isIP } from "node:net";
import { signatureHeaders, verifySignature } from "../domain/verify.js";
import { SignatureError, type HookRequest } from "./request.js";

function equalConstantTime(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * webhook's ExtractSignatures: with commas, keep only the entries carrying the prefix (GitHub
 * style `sha256=…,sha256=…`); without, strip the prefix if present.
 */
export function extractSignatures(source: string, prefix: string): string[] {
  if (!source.includes(",")) return [source.startsWith(prefix) ? source.slice(prefix.length) : source];
  return source
    .split(",")
    .filter((part) => part.startsWith(prefix))
    .map((part) => part.slice(prefix.length));
}

export type HmacAlgorithm = "sha1" | "sha256" | "sha512";

/** Throws SignatureError unless one of the signatures is the HMAC of the body. */
export function checkPayloadSignature(body: Buffer, secret: string, signature: string, algorithm: HmacAlgorithm): void {
  if (secret === "") throw new Error("signature validation secret can not be empty");
  const expected = createHmac(algorithm, secret).update(body).digest("hex");
  const candidates = extractSignatures(signature, `${algorithm}=`);
  if (!candidates.some((candidate) => equalConstantTime(candidate, expected))) {
    throw new SignatureError(signature);
  }
}

/** Go's time.Parse("Mon 02 Jan 2006 15:04:05 MST"), e.g. `Fri 08 Sep 2017 11:24:32 UTC`. */
function parseScalrDate(text: string): number | undefined {
  const match = /^[A-Z][a-z]{2} (\d{2}) ([A-Z][a-z]{2}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) ([A-Z]{3,4})$/.exec(text);
  if (!match) return undefined;
  const month = "JanFebMarAprMayJunJulAugSepOctNovDec".indexOf(match[2]!) / 3;
  if (month < 0 || !Number.isInteger(month)) return undefined;
  return Date.UTC(+match[3]!, month, +match[1]!, +match[4]!, +match[5]!, +match[6]!);
}

/** Scalr: HMAC-SHA1 over body + Date header, and the date within 5 minutes of now. */
export function checkScalrSignature(req: HookRequest, signingKey: string, nowMs: number): boolean {
  const provided = req.headers["X-Signature"] as string | undefined;
  const date = req.headers["Date"] as string | undefined;
  if (provided === undefined || date === undefined) return false;
  if (signingKey === "") throw new Error("signature validation signing key can not be empty");
  const expected = createHmac("sha1", signingKey).update(req.body).update(date).digest("hex");
  if (!equalConstantTime(provided, expected)) throw new SignatureError(provided);
  const sent = parseScalrDate(date);
  if (sent === undefined) throw new Error(`parsing time "${date}": bad format`);
  if (Math.abs(nowMs - sent) > 300_000) throw new SignatureError("outdated");
  return true;
}

/** ip-whitelist: space-separated addresses or CIDR ranges; a bare address is a /32. */
export function checkIpWhitelist(remoteAddr: string, ipRange: string): boolean {
  let ip = remoteAddr.replace(/^[\s[\]]+|[\s[\]]+$/g, "");
  const colon = ip.lastIndexOf(":");
  if (colon !== -1) ip = ip.slice(0, colon).replace(/^[\s[\]]+|[\s[\]]+$/g, "");
  const family = isIP(ip);
  if (family === 0) throw new Error(`invalid IP address found in remote address '${remoteAddr}'`);
  for (const entry of ipRange.split(/\s+/).filter(Boolean)) {
    const [address, bits = "32"] = entry.split("/");
    const rangeFamily = isIP(address ?? "");
    if (rangeFamily === 0 || !/^\d+$/.test(bits)) throw new Error(`invalid CIDR address: ${entry}`);
    const list = new BlockList();
    list.addSubnet(address!, Number(bits), rangeFamily === 4 ? "ipv4" : "ipv6");
    if (list.check(ip, family === 4 ? "ipv4" : "ipv6")) return true;
  }
  return false;
}

/**
 * Hooklane extension: the request carries a valid Standard Webhooks signature (`webhook-*` or
 * `svix-*` headers) for the secret, with a timestamp within 5 minutes of now; this is how a
 * hook checks that a request was forwarded by Hooklane (or any Standard Webhooks sender).
 */
export function checkStandardWebhooksSignature(req: HookRequest, secret: string, nowMs: number): boolean {
  if (secret === "") throw new Error("signature validation secret can not be empty");
  // Header keys are canonical here (Webhook-Id); the shared verifier reads them lowercase.
  const headers = Object.fromEntries(Object.entries(req.headers).map(([key, value]) => [key.toLowerCase(), value]));
  const result = verifySignature(
    secret,
    { ...signatureHeaders(headers as Record<string, string>), body: req.body.toString("utf8") },
    nowMs,
  );
  if (!result.valid) throw new SignatureError(result.reason);
  return true;
}
