// A webhook receiver that misbehaves at random in the mix of issue 9: 30% 500, 10% never
// answers (the sender times out), 5% connection reset, 5% slow (2 s) success, 2% 429 with
// Retry-After; the rest 200 at once. It records every request it saw by webhook-id, so a test
// can compare with the attempts Hooklane stored.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type Fault = "500" | "timeout" | "reset" | "slow" | "429" | "ok";

export interface Seen {
  webhookId: string;
  /** The `i` field of the payload, to tie a webhook-id to the message the test published. */
  index: number | undefined;
  fault: Fault;
  at: number;
}

export interface FaultReceiver {
  url: string;
  seen: Seen[];
  /** Distinct webhook-ids answered 2xx. */
  delivered: Set<string>;
  close(): Promise<void>;
}

export const FAULT_MIX: ReadonlyArray<[Fault, number]> = [
  ["500", 0.3],
  ["timeout", 0.1],
  ["reset", 0.05],
  ["slow", 0.05],
  ["429", 0.02],
];

function pick(mix: ReadonlyArray<[Fault, number]>): Fault {
  let roll = Math.random();
  for (const [fault, share] of mix) {
    if (roll < share) return fault;
    roll -= share;
  }
  return "ok";
}

/** `mix` defaults to the issue's; pass [] for a receiver that always answers 200 at once. */
export async function startFaultReceiver(
  mix: ReadonlyArray<[Fault, number]> = FAULT_MIX,
  { slowMs = 2000 } = {},
): Promise<FaultReceiver> {
  const seen: Seen[] = [];
  const delivered = new Set<string>();
  const ok = (res: ServerResponse, webhookId: string): void => {
    if (res.destroyed) return;
    res.writeHead(200, { "content-type": "text/plain" }).end("ok");
    delivered.add(webhookId);
  };
  const handle = (req: IncomingMessage, res: ServerResponse, body: string): void => {
    const webhookId = String(req.headers["webhook-id"] ?? "");
    let index: number | undefined;
    try {
      index = (JSON.parse(body) as { i?: number }).i;
    } catch {
      index = undefined;
    }
    const fault = pick(mix);
    seen.push({ webhookId, index, fault, at: Date.now() });
    switch (fault) {
      case "500":
        res.writeHead(500).end("boom");
        return;
      case "timeout":
        return; // never answers; the sender's request timeout ends it
      case "reset":
        req.socket.resetAndDestroy();
        return;
      case "slow":
        setTimeout(() => ok(res, webhookId), slowMs);
        return;
      case "429":
        res.writeHead(429, { "retry-after": "1" }).end("slow down");
        return;
      case "ok":
        ok(res, webhookId);
    }
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => handle(req, res, Buffer.concat(chunks).toString("utf8")));
  });
  server.keepAliveTimeout = 60000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    seen,
    delivered,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
