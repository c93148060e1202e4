// Conformance: cross-process wake-ups when deliveries become due.
import { expect } from "vitest";
import { waitFor } from "../../helpers/wait.js";
import { appWithEndpoint, publish, T0 } from "../fixtures.js";
import { claimAll } from "./records.js";
import { conformance, type CaseContext } from "./context.js";

const ONE_PROCESS =
  "SQLite serves one process, where the Publisher wakes the worker directly; the storage has no cross-process signal";

export function wakeupCases(t: CaseContext): void {
  conformance(
    t,
    "another process's new message, resend and recover wake this process's listener",
    async () => {
      const s = t.storage();
      const other = await t.another();
      let calls = 0;
      const unsubscribe = s.onDeliveriesDue!(() => calls++);
      try {
        // The listener is called once when listening starts (to cover anything missed before).
        await waitFor(() => calls >= 1, { what: "listening" });
        const { app, endpoint } = await appWithEndpoint(other);
        const { message } = await publish(other, app.id, [endpoint.id], T0);
        await waitFor(() => calls >= 2, { what: "wake-up after a new message" });
        const seen = calls;
        await other.deliveries.resend(app.id, message.id, endpoint.id, T0);
        await waitFor(() => calls > seen, { what: "wake-up after a resend" });
        const [claimed] = await other.deliveries.claimDue(claimAll("w", T0 + 1));
        await other.deliveries.complete(
          [
            {
              deliveryId: claimed!.delivery.id,
              leaseOwner: "w",
              attempt: attemptOf(claimed!),
              completion: { kind: "failed" },
            },
          ],
          T0 + 1,
        );
        const beforeRecover = calls;
        expect(await other.deliveries.recover(endpoint.id, 0, T0 + 10, T0 + 2)).toBe(1);
        await waitFor(() => calls > beforeRecover, { what: "wake-up after a recover" });
      } finally {
        unsubscribe();
      }
    },
    { sqlite: ONE_PROCESS },
  );
}

function attemptOf(c: { delivery: { id: string; endpointId: string; appId: string; messageId: string } }) {
  return {
    id: `atmpt_${c.delivery.id.slice(4)}`,
    messageId: c.delivery.messageId,
    endpointId: c.delivery.endpointId,
    appId: c.delivery.appId,
    url: "https://example.com",
    status: 2 as const,
    responseStatusCode: 500,
    response: "",
    responseDurationMs: 1,
    trigger: 1 as const,
    createdAt: T0,
  };
}
