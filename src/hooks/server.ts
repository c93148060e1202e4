// The HTTP side of `hooklane hooks`. Built on node:http rather than fastify on purpose: webhook
// compatibility is byte-level (its exact texts, Go's sniffed content types, the raw body for
// HMACs, no JSON error envelope) and there are two routes, so a framework's body parsers and
// error serializers would only have to be switched off again.
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { handleHookRequest, type HandlerContext } from "./handler.js";
import type { HookRegistry } from "./registry.js";
import { reply as plain, type HookResponse } from "./response.js";

export interface ServerOptions {
  ip: string;
  port: number;
  urlPrefix: string;
  tls?: { certFile: string; keyFile: string };
  /** Take the request id from X-Request-Id (truncated to the limit when > 0). */
  useXRequestId: boolean;
  xRequestIdLimit: number;
}

function goRemoteAddr(req: IncomingMessage): string {
  const address = (req.socket.remoteAddress ?? "").replace(/^::ffff:(?=\d+\.)/, "");
  return address.includes(":") ? `[${address}]:${req.socket.remotePort}` : `${address}:${req.socket.remotePort}`;
}

function requestId(req: IncomingMessage, options: ServerOptions): string {
  const given = req.headers["x-request-id"];
  if (options.useXRequestId && typeof given === "string" && given !== "") {
    return options.xRequestIdLimit > 0 ? given.slice(0, options.xRequestIdLimit) : given;
  }
  return randomBytes(3).toString("hex");
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function send(res: ServerResponse, answer: HookResponse): void {
  for (const [name, value] of answer.headers) res.setHeader(name, value);
  res.setHeader("Content-Length", Buffer.byteLength(answer.body));
  res.writeHead(answer.status);
  res.end(answer.body);
}

export interface RunningHooksServer {
  server: Server;
  port: number;
  close(): Promise<void>;
}

export async function startHooksServer(
  options: ServerOptions,
  registry: HookRegistry,
  ctx: HandlerContext,
): Promise<RunningHooksServer> {
  const prefix = options.urlPrefix.replace(/^\/+|\/+$/g, "");
  const hookPath = prefix === "" ? "/" : `/${prefix}/`;

  const route = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    let path: string;
    try {
      path = decodeURIComponent(url.pathname);
    } catch {
      send(res, plain(400, [], "400 Bad Request"));
      return;
    }
    if (path === "/") {
      // webhook 2.8.0 answers the root without the -header headers (later versions add them).
      send(res, plain(200, [], "OK"));
      return;
    }
    if (!path.startsWith(hookPath)) {
      send(res, plain(404, [["X-Content-Type-Options", "nosniff"]], "404 page not found\n"));
      return;
    }
    const body = await readBody(req);
    const answer = await handleHookRequest(
      registry.find(path.slice(hookPath.length)),
      {
        id: requestId(req, options),
        method: req.method ?? "GET",
        remoteAddr: goRemoteAddr(req),
        rawHeaders: req.rawHeaders,
        rawQuery: url.search.slice(1),
        body,
      },
      ctx,
    );
    send(res, answer);
  };
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    route(req, res).catch((error: Error) => {
      // Anything unexpected leaves as a bare 500; the detail goes to the log only.
      ctx.log(`unexpected error: ${error.stack ?? error.message}`);
      if (!res.headersSent) send(res, plain(500, [], "Internal Server Error"));
      else res.destroy();
    });
  };

  const server = options.tls
    ? createHttpsServer(
        { cert: await readFile(options.tls.certFile), key: await readFile(options.tls.keyFile) },
        listener,
      )
    : createHttpServer(listener);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.ip, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  ctx.log(`serving hooks on ${options.tls ? "https" : "http"}://${options.ip}:${port}${hookPath}{id}`);
  return {
    server,
    port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
