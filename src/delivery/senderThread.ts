// The sender thread's entry (see threadedSender.ts): an HttpSender running on its own event
// loop, taking batches of requests from the main thread and answering with batches of results.
import { parentPort, workerData } from "node:worker_threads";
import { TurnBatch } from "../lib/async.js";
import { HttpSender, type SenderSettings } from "./httpSender.js";
import type { ThreadRequest, ThreadResult } from "./threadedSender.js";

const sender = HttpSender.fromSettings(workerData as SenderSettings);
const port = parentPort!;
const results = new TurnBatch<ThreadResult>((batch) => port.postMessage(batch));

port.on("message", (batch: ThreadRequest[] | "close") => {
  if (batch === "close") {
    // undici's close waits for the requests in flight; their results go back before the end.
    void sender.close().then(() => {
      results.flush();
      port.close();
    });
    return;
  }
  for (const [id, request] of batch) void sender.deliver(request).then((result) => results.add([id, result]));
});
