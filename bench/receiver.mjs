// Benchmark receiver (child process): answers every POST 200 at once and records when each
// webhook-id first arrived, so the parent can compute delivery rates and latencies. POSTs to
// paths under /hang are never answered (an endpoint that times out) and not counted.
import { createServer } from "node:http";

const receipts = new Map();
let count = 0;

const now = () => performance.timeOrigin + performance.now();

const server = createServer((req, res) => {
  // Counts only: the parent polls this while a run is going, and serialising every receipt
  // on each poll would cost the receiver (and so every system measured) CPU that grows with n.
  if (req.method === "GET" && req.url === "/stats") {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ count, ids: receipts.size }));
    return;
  }
  if (req.method === "GET" && req.url === "/receipts") {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(Object.fromEntries(receipts)));
    return;
  }
  if (req.method === "DELETE" && req.url === "/stats") {
    receipts.clear();
    count = 0;
    res.end();
    return;
  }
  req.resume();
  if (req.url.startsWith("/hang")) return;
  req.on("end", () => {
    count++;
    const id = req.headers["webhook-id"];
    if (typeof id === "string" && !receipts.has(id)) receipts.set(id, now());
    res.writeHead(200, { "content-type": "text/plain" });
    res.end("ok");
  });
});

server.keepAliveTimeout = 60000;
server.listen(0, "127.0.0.1", () => {
  process.send?.({ port: server.address().port });
});
process.on("disconnect", () => process.exit(0));
