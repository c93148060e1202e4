// A local webhook receiver whose answers the test controls; records every request.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface Received {
  path: string;
  headers: Record<string, string>;
  body: string;
  receivedAt: number;
}

export interface Reply {
  status?: number;
  body?: string;
  headers?: Record<string, string>;
  /** Never answer (the connection stays open until the receiver closes). */
  hang?: boolean;
  delayMs?: number;
}

export type Responder = (request: Received, countForPath: number) => Reply;

export interface Receiver {
  url(path?: string): string;
  requests: Received[];
  on(path: string, responder: Responder): void;
  forPath(path: string): Received[];
  close(): Promise<void>;
}

export async function startReceiver(host = "127.0.0.1"): Promise<Receiver> {
  const requests: Received[] = [];
  const responders = new Map<string, Responder>();
  const hanging = new Set<IncomingMessage>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const path = (req.url ?? "/").split("?")[0]!;
      const received: Received = {
        path,
        headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])),
        body: Buffer.concat(chunks).toString("utf8"),
        receivedAt: Date.now(),
      };
      requests.push(received);
      const count = requests.filter((r) => r.path === path).length;
      const reply: Reply = (responders.get(path) ?? ((): Reply => ({})))(received, count);
      if (reply.hang) {
        hanging.add(req);
        return;
      }
      const send = (): void => {
        res.writeHead(reply.status ?? 200, { "content-type": "text/plain", ...reply.headers });
        res.end(reply.body ?? "ok");
      };
      if (reply.delayMs) setTimeout(send, reply.delayMs);
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: (path = "/") => `http://${host}:${port}${path}`,
    requests,
    on: (path, responder) => responders.set(path, responder),
    forPath: (path) => requests.filter((r) => r.path === path),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
