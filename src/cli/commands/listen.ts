// `hooklane listen`: a local receiver for development. Prints each webhook (method, path,
// headers, pretty JSON), checks its Standard Webhooks signature when given the secret, and
// optionally forwards it to the app under development, answering with that app's status.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Command } from "commander";
import { verifySignature, signatureHeaders, type Verification } from "../../domain/verify.js";
import { usageError } from "../errors.js";
import { positiveInteger } from "./common.js";

interface ListenFlags {
  port: number;
  host: string;
  secret?: string;
  forward?: string;
  json?: boolean;
  status: number;
}

/** Hop-by-hop and length headers are the forwarding request's own business. */
const NOT_FORWARDED = new Set(["host", "connection", "content-length", "transfer-encoding", "keep-alive"]);

interface Forwarded {
  status?: number;
  error?: string;
  durationMs: number;
  body?: string;
}

async function forward(target: string, req: IncomingMessage, body: Buffer): Promise<Forwarded> {
  const started = performance.now();
  const headers = Object.entries(req.headers)
    .filter(([name]) => !NOT_FORWARDED.has(name))
    .map(([name, value]) => [name, Array.isArray(value) ? value.join(", ") : (value ?? "")] as [string, string]);
  try {
    const response = await fetch(target, {
      method: req.method,
      headers,
      body: req.method === "GET" || req.method === "HEAD" ? undefined : body,
      signal: AbortSignal.timeout(30000),
    });
    const text = await response.text();
    return { status: response.status, body: text, durationMs: Math.round(performance.now() - started) };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    return { error: cause ?? (error as Error).message, durationMs: Math.round(performance.now() - started) };
  }
}

function prettyBody(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

function describeSignature(verification: Verification | undefined): string {
  if (!verification) return "signature: not checked (pass --secret to verify)";
  return verification.valid ? "signature: valid" : `signature: INVALID (${verification.reason})`;
}

function humanReport(req: IncomingMessage, body: string, verification?: Verification, forwarded?: Forwarded): string {
  const lines = [`── ${new Date().toISOString()}  ${req.method} ${req.url}`];
  for (const [name, value] of Object.entries(req.headers)) lines.push(`  ${name}: ${String(value)}`);
  lines.push(prettyBody(body), describeSignature(verification));
  if (forwarded) {
    lines.push(
      forwarded.error
        ? `forwarded: failed (${forwarded.error}) after ${forwarded.durationMs} ms`
        : `forwarded: ${forwarded.status} in ${forwarded.durationMs} ms`,
    );
  }
  return lines.join("\n") + "\n\n";
}

async function listen(flags: ListenFlags): Promise<void> {
  if (flags.forward) {
    try {
      new URL(flags.forward);
    } catch {
      throw usageError(`--forward: not a URL: ${flags.forward}`);
    }
  }
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const body = raw.toString("utf8");
    const verification = flags.secret
      ? verifySignature(flags.secret, { ...signatureHeaders(req.headers), body }, Date.now())
      : undefined;
    const forwarded = flags.forward ? await forward(flags.forward, req, raw) : undefined;
    if (flags.json) {
      let parsed: unknown = body;
      try {
        parsed = JSON.parse(body);
      } catch {
        // not JSON: report the text
      }
      const line = {
        receivedAt: new Date().toISOString(),
        method: req.method,
        path: req.url,
        headers: req.headers,
        body: parsed,
        signature: verification ? (verification.valid ? "valid" : "invalid") : "unchecked",
        signatureProblem: verification && !verification.valid ? verification.reason : undefined,
        forwarded,
      };
      process.stdout.write(JSON.stringify(line) + "\n");
    } else {
      process.stdout.write(humanReport(req, body, verification, forwarded));
    }
    // With --forward the sender sees the app's answer, so retries behave as in production.
    if (forwarded?.status !== undefined) {
      res.writeHead(forwarded.status, { "content-type": "text/plain" }).end(forwarded.body ?? "");
    } else if (forwarded) {
      res.writeHead(502, { "content-type": "text/plain" }).end(`forward failed: ${forwarded.error}`);
    } else {
      res.writeHead(flags.status, { "content-type": "text/plain" }).end("ok");
    }
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      process.stderr.write(`listen: ${(error as Error).message}\n`);
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(usageError(`cannot listen on ${flags.host}:${flags.port}: ${error.code ?? error.message}`)),
    );
    server.listen(flags.port, flags.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const host = flags.host.includes(":") ? `[${flags.host}]` : flags.host;
  process.stderr.write(
    `listening on http://${host}:${port}` +
      (flags.forward ? `, forwarding to ${flags.forward}` : "") +
      (flags.secret ? ", verifying signatures" : "") +
      " (Ctrl-C to stop)\n",
  );
  const stop = (): void => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

export function registerListenCommand(program: Command): void {
  program
    .command("listen")
    .description("run a local webhook receiver that prints, verifies and optionally forwards what arrives")
    .option(
      "-p, --port <port>",
      "port to listen on (0 picks a free one)",
      (v) => (v === "0" ? 0 : positiveInteger(v)),
      4000,
    )
    .option("--host <host>", "interface to listen on", "127.0.0.1")
    .option("--secret <key>", "endpoint secret (whsec_) or ed25519 public key (whpk_): verify each request's signature")
    .option("--forward <url>", "forward each request to this URL and answer with its response")
    .option("--status <code>", "status to answer with when not forwarding", positiveInteger, 200)
    .option("--json", "one JSON line per request instead of the human view")
    .addHelpText(
      "after",
      "\nExample:\n  hooklane endpoint create my-app http://127.0.0.1:4000/hook\n" +
        "  hooklane listen --port 4000 --secret $(hooklane endpoint secret my-app ep_...) --forward http://localhost:3000/hook\n" +
        "(the server must allow loopback deliveries: HOOKLANE_ALLOWED_SUBNETS=127.0.0.0/8)\n",
    )
    .action(listen);
}
