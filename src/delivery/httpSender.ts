// Sends one delivery request with undici and reports what happened as a value: a response
// (any status) or a transport error with a readable reason. Redirects are not followed (a
// 3xx is the receiver's answer), the response body is read up to a cap, and every connection
// is checked against the address policy after DNS resolution.
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from "node:dns";
import { isIP } from "node:net";
import { Agent, type Dispatcher } from "undici";
import { AddressPolicy } from "./addressPolicy.js";
import { buildOutboundRequest, type DeliveryRequest } from "./outboundRequest.js";

export interface OutboundRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export type SendResult =
  | { kind: "response"; statusCode: number; retryAfter: string | undefined; body: string; durationMs: number }
  | { kind: "error"; reason: string; durationMs: number };

/** What signs and sends a delivery's request: HttpSender here, or ThreadedSender from a worker thread. */
export interface RequestSender {
  deliver(request: DeliveryRequest): Promise<SendResult>;
  close(): Promise<void>;
}

export interface HttpSenderOptions {
  policy: AddressPolicy;
  timeoutMs: number;
  maxResponseBytes: number;
}

/** HttpSenderOptions as plain data, which can cross to a worker thread. */
export interface SenderSettings {
  allowedSubnets: readonly string[];
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

export class HttpSender implements RequestSender {
  private readonly agent: Agent;

  static fromSettings({ allowedSubnets, ...rest }: SenderSettings): HttpSender {
    return new HttpSender({ policy: new AddressPolicy(allowedSubnets), ...rest });
  }

  constructor(private readonly options: HttpSenderOptions) {
    // No per-origin connection cap: the worker caps requests per endpoint, and two endpoints
    // on one host must not queue behind each other's hanging requests.
    this.agent = new Agent({
      connect: { lookup: policyLookup(options.policy) as never },
    });
  }

  deliver(request: DeliveryRequest): Promise<SendResult> {
    let outbound: OutboundRequest;
    try {
      outbound = buildOutboundRequest(request);
    } catch (error) {
      // A secret that cannot sign (a damaged key): an attempt that fails with the reason,
      // where an exception would end the sender thread and fail every request in it.
      const reason = `the request could not be signed: ${(error as Error).message}`;
      return Promise.resolve({ kind: "error", reason, durationMs: 0 });
    }
    return this.send(outbound);
  }

  private async send(outbound: OutboundRequest): Promise<SendResult> {
    const started = performance.now();
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
    return new Promise((resolve) => this.dispatch(url, outbound, started, resolve));
  }

  /**
   * One request on undici's dispatcher API, with callbacks rather than request()'s response
   * stream and promises: at thousands of deliveries a second those showed in profiles. undici's
   * own timers bound the wait for headers and between body chunks (no AbortSignal per request);
   * a body still arriving at the timeout is cut off, so a request takes at most the timeout
   * plus one chunk's wait. Only the first `maxResponseBytes` of a body are kept, and the rest
   * is not downloaded.
   */
  private dispatch(url: URL, outbound: OutboundRequest, started: number, resolve: (result: SendResult) => void): void {
    const { timeoutMs, maxResponseBytes } = this.options;
    const deadline = started + timeoutMs;
    const elapsed = (): number => Math.round(performance.now() - started);
    const chunks: Buffer[] = [];
    let kept = 0;
    let statusCode = 0;
    let retryAfter: string | undefined;
    let settled = false;
    const settle = (result: SendResult): void => {
      if (settled) return;
      settled = true;
      resolve(result);
    };
    const respond = (): void =>
      settle({
        kind: "response",
        statusCode,
        retryAfter,
        body: Buffer.concat(chunks, kept).toString("utf8"),
        durationMs: elapsed(),
      });
    const fail = (error: unknown): void =>
      settle({ kind: "error", reason: describeError(error, timeoutMs), durationMs: elapsed() });
    const handler: Dispatcher.DispatchHandler = {
      // Its presence is what tells undici this handler uses the controller-style callbacks.
      onRequestStart() {},
      onResponseStart(_controller, status, headers) {
        if (status < 200) return; // 1xx informational: the real answer follows
        statusCode = status;
        const value = headers["retry-after"];
        retryAfter = Array.isArray(value) ? value[0] : value;
      },
      onResponseData(controller, chunk) {
        if (performance.now() > deadline) {
          controller.abort(Object.assign(new Error("body timeout"), { name: "TimeoutError" }));
          return;
        }
        const room = maxResponseBytes - kept;
        if (chunk.length < room) {
          chunks.push(chunk);
          kept += chunk.length;
          return;
        }
        chunks.push(chunk.subarray(0, room));
        kept = maxResponseBytes;
        respond();
        controller.abort(new Error("response body cap reached"));
      },
      onResponseEnd: respond,
      onResponseError: (_controller, error) => fail(error),
    };
    try {
      this.agent.dispatch(
        {
          origin: url.origin,
          path: url.pathname + url.search,
          method: "POST",
          headers: outbound.headers,
          body: outbound.body,
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
        },
        handler,
      );
    } catch (error) {
      fail(error); // invalid options (a header value undici refuses)
    }
  }

  close(): Promise<void> {
    return this.agent.close();
  }
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
