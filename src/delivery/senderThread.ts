// The sender thread's entry (see threadedSender.ts): an HttpSender running on its own event
// loop, taking batches of requests from the main thread and answering with batches of results.
import { parentPort, workerData } from "node:worker_threads";
import { HttpSender, type SendResult, type SenderSettings } from "./httpSender.js";
import type { ThreadRequest, ThreadResult } from "./threadedSender.js";

const sender = HttpSender.fromSettings(workerData as SenderSettings);
const port = parentPort!;
let results: ThreadResult[] = [];

// Results finished in one turn of this loop go back in one message.
function answer(id: number, result: SendResult): void {
  if (results.push([id, result]) === 1) setImmediate(flush);
}

function flush(): void {
  if (results.length === 0) return;
  port.postMessage(results);
  results = [];
}

port.on("message", (batch: ThreadRequest[] | "close") => {
  if (batch === "close") {
    // undici's close waits for the requests in flight; their results go back before the end.
    void sender.close().then(() => {
      flush();
      port.close();
    });
    return;
  }
  for (const [id, request] of batch) void sender.deliver(request).then((result) => answer(id, result));
});
