// Sends one delivery request with undici and reports what happened as a value: a response
// (any status) or a transport error with a readable reason. Redirects are not followed (a
// 3xx is the receiver's answer), the response body is read up to a cap, and every connection
// is checked against the address policy after DNS resolution.
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from "node:dns";
import { isIP } from "node:net";
import { Agent, request } from "undici";
import type { AddressPolicy } from "./addressPolicy.js";

export interface OutboundRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export type SendResult =
  | { kind: "response"; statusCode: number; retryAfter: string | undefined; body: string; durationMs: number }
  | { kind: "error"; reason: string; durationMs: number };

export interface HttpSenderOptions {
  policy: AddressPolicy;
  timeoutMs: number;
  maxResponseBytes: number;
}

const REFUSED = "EHOOKLANE_DESTINATION_REFUSED";

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A dns.lookup replacement that drops addresses the policy refuses, at connect time. */
function policyLookup(policy: AddressPolicy) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      const allowed = addresses.filter((a) => policy.refusal(a.address) === null);
      const first = allowed[0];
      if (!first) {
        const refusal = new Error(policy.refusal(addresses[0]?.address ?? "") ?? `no address for ${hostname}`);
        (refusal as NodeJS.ErrnoException).code = REFUSED;
        return callback(refusal, []);
      }
      if (options.all) callback(null, allowed);
      else callback(null, first.address, first.family);
    });
  };
}

export class HttpSender {
  private readonly agent: Agent;

  constructor(private readonly options: HttpSenderOptions) {
    // No per-origin connection cap: the worker caps requests per endpoint, and two endpoints
    // on one host must not queue behind each other's hanging requests.
    this.agent = new Agent({
      connect: { lookup: policyLookup(options.policy) as never },
    });
  }

  async send(outbound: OutboundRequest): Promise<SendResult> {
    const started = performance.now();
    const elapsed = (): number => Math.round(performance.now() - started);
    let url: URL;
    try {
      url = new URL(outbound.url);
    } catch {
      return { kind: "error", reason: `invalid URL: ${outbound.url}`, durationMs: 0 };
    }
    // Sockets skip the lookup for literal IPs, so those are checked here.
    const host = url.hostname.replace(/^\[|\]$/g, "");
    if (isIP(host) !== 0) {
      const refusal = this.options.policy.refusal(host);
      if (refusal) return { kind: "error", reason: refusal, durationMs: 0 };
    }
    try {
      // undici's own timers, not an AbortSignal per request (a timer and listeners each, which
      // showed in profiles): the headers must come within the timeout, and readBody stops a body
      // still arriving after it, so a request takes at most the timeout plus one chunk's wait.
      const response = await request(url, {
        method: "POST",
        headers: outbound.headers,
        body: outbound.body,
        dispatcher: this.agent,
        headersTimeout: this.options.timeoutMs,
        bodyTimeout: this.options.timeoutMs,
      });
      const deadline = started + this.options.timeoutMs;
      const body = await readBody(
        response.body,
        response.headers["content-length"],
        this.options.maxResponseBytes,
        deadline,
      );
      if (body === null)
        return {
          kind: "error",
          reason: describeError({ name: "TimeoutError" }, this.options.timeoutMs),
          durationMs: elapsed(),
        };
      const retryAfter = response.headers["retry-after"];
      return {
        kind: "response",
        statusCode: response.statusCode,
        retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
        body,
        durationMs: elapsed(),
      };
    } catch (error) {
      return { kind: "error", reason: describeError(error, this.options.timeoutMs), durationMs: elapsed() };
    }
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}

type ResponseBody = AsyncIterable<Buffer> & { destroy(): void; text(): Promise<string> };

/**
 * The response body as text, up to `maxBytes` (the rest is not stored, and not downloaded);
 * null when it was still arriving at `deadline` (a performance.now() time).
 */
async function readBody(
  body: ResponseBody,
  contentLength: string | string[] | undefined,
  maxBytes: number,
  deadline: number,
): Promise<string | null> {
  // The common case, a short body of declared length: read it whole, without an iterator.
  const declared = typeof contentLength === "string" ? Number(contentLength) : NaN;
  if (declared >= 0 && declared < maxBytes) return body.text();
  const chunks: Buffer[] = [];
  let kept = 0;
  for await (const chunk of body) {
    if (performance.now() > deadline) {
      body.destroy();
      return null;
    }
    if (kept + chunk.length >= maxBytes) {
      chunks.push(chunk.subarray(0, maxBytes - kept));
      kept = maxBytes;
      body.destroy();
      break;
    }
    chunks.push(chunk);
    kept += chunk.length;
  }
  return Buffer.concat(chunks).toString("utf8");
}

function describeError(error: unknown, timeoutMs: number): string {
  const err = error as { name?: string; code?: string; message?: string; cause?: unknown };
  if (err.name === "TimeoutError" || err.name === "AbortError") return `request timed out after ${timeoutMs} ms`;
  const cause = (err.cause ?? err) as { code?: string; message?: string };
  const code = cause.code ?? err.code;
  switch (code) {
    case REFUSED:
      return cause.message ?? "destination refused";
    case "ECONNREFUSED":
      return "connection refused";
    case "ECONNRESET":
    case "UND_ERR_SOCKET":
      return "connection reset by the receiver";
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return "DNS lookup failed: host not found";
    case "UND_ERR_HEADERS_TIMEOUT":
    case "UND_ERR_BODY_TIMEOUT":
      return `request timed out after ${timeoutMs} ms`;
    default:
      if ((typeof code === "string" && code.startsWith("ERR_TLS")) || /certificate/i.test(cause.message ?? "")) {
        return `TLS error: ${cause.message ?? code}`;
      }
      return `request failed: ${cause.message ?? err.message ?? String(error)}`;
  }
}
