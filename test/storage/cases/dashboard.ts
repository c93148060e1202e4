// Conformance: the dashboard's aggregates. Attempts are bucketed by time and by how their
// delivery stands; disabled endpoints and the backlog can be scoped to one application.
import { expect } from "vitest";
import { MessageStatus } from "../../../src/domain/model.js";
import { idFloorAt } from "../../../src/lib/ids.js";
import type { DeliveryCompletion, Storage } from "../../../src/storage/contract.js";
import { appWithEndpoint, makeAttempt, makeEndpoint, publish, T0 } from "../fixtures.js";
import { conformance, type CaseContext } from "./context.js";
import { claimAll } from "./records.js";

const MINUTE = 60_000;

/** Publishes one message to the endpoint and records one attempt for it at `at`. */
async function attemptAt(s: Storage, appId: string, endpointId: string, at: number, completion: DeliveryCompletion) {
  const { deliveryIds } = await publish(s, appId, [endpointId], at);
  const owner = `w-${deliveryIds[0]}`;
  const [claimed] = await s.deliveries.claimDue({ ...claimAll(owner, at), deliveryIds });
  // Attempt ids carry their time, as the worker mints them when it records the attempt.
  const id = idFloorAt("attempt", at).slice(0, -16) + deliveryIds[0]!.slice(-16);
  const attempt = makeAttempt(claimed!.message, endpointId, {
    id,
    createdAt: at,
    status: completion.kind === "succeeded" ? MessageStatus.success : MessageStatus.fail,
  });
  await s.deliveries.complete([{ deliveryId: claimed!.delivery.id, leaseOwner: owner, attempt, completion }], at);
}

export function dashboardCases(t: CaseContext): void {
  conformance(t, "delivery rate: attempts per bucket as succeeded, retrying or failed, per application", async () => {
    const s = t.storage();
    const a = await appWithEndpoint(s);
    const b = await appWithEndpoint(s);
    // Counts are kept by minute: the range and buckets are whole minutes.
    const start = Math.ceil(T0 / MINUTE) * MINUTE;
    await attemptAt(s, a.app.id, a.endpoint.id, start + 10, { kind: "succeeded" });
    await attemptAt(s, a.app.id, a.endpoint.id, start + MINUTE + 5, {
      kind: "retry",
      nextAttemptAt: start + 10 * MINUTE,
    });
    await attemptAt(s, a.app.id, a.endpoint.id, start + MINUTE + 6, { kind: "failed" });
    await attemptAt(s, b.app.id, b.endpoint.id, start + 2 * MINUTE, { kind: "succeeded" });
    await attemptAt(s, b.app.id, b.endpoint.id, start + 2 * MINUTE + 59_999, { kind: "succeeded" });
    // Outside the range on both sides.
    await attemptAt(s, a.app.id, a.endpoint.id, start - 1, { kind: "succeeded" });
    await attemptAt(s, a.app.id, a.endpoint.id, start + 3 * MINUTE, { kind: "succeeded" });

    const range = { since: start, until: start + 3 * MINUTE, bucketMs: MINUTE };
    expect(await s.dashboard.deliveryRate(range)).toEqual([
      { start, succeeded: 1, retrying: 0, failed: 0 },
      { start: start + MINUTE, succeeded: 0, retrying: 1, failed: 1 },
      { start: start + 2 * MINUTE, succeeded: 2, retrying: 0, failed: 0 },
    ]);
    expect(await s.dashboard.deliveryRate({ ...range, appId: b.app.id })).toEqual([
      { start, succeeded: 0, retrying: 0, failed: 0 },
      { start: start + MINUTE, succeeded: 0, retrying: 0, failed: 0 },
      { start: start + 2 * MINUTE, succeeded: 2, retrying: 0, failed: 0 },
    ]);
    expect(
      await s.dashboard.deliveryRate({ since: start - MINUTE, until: start + 3 * MINUTE, bucketMs: 2 * MINUTE }),
    ).toEqual([
      { start: start - MINUTE, succeeded: 2, retrying: 0, failed: 0 },
      { start: start + MINUTE, succeeded: 2, retrying: 1, failed: 1 },
    ]);
  });

  conformance(
    t,
    "delivery rate: each attempt counts by what followed it, and outlives the attempts' rows",
    async () => {
      const s = t.storage();
      const { app, endpoint } = await appWithEndpoint(s);
      const start = Math.ceil(T0 / MINUTE) * MINUTE;
      const { deliveryIds } = await publish(s, app.id, [endpoint.id], start);
      const completions: DeliveryCompletion[] = [
        { kind: "retry", nextAttemptAt: start + MINUTE },
        { kind: "retry", nextAttemptAt: start + 2 * MINUTE },
        { kind: "failed" },
      ];
      for (const [i, completion] of completions.entries()) {
        const at = start + i * MINUTE;
        const owner = `w${i}`;
        const [claimed] = await s.deliveries.claimDue({ ...claimAll(owner, at), deliveryIds });
        const attempt = makeAttempt(claimed!.message, endpoint.id, { createdAt: at, status: MessageStatus.fail });
        const done = { deliveryId: claimed!.delivery.id, leaseOwner: owner, attempt, completion };
        expect(await s.deliveries.complete([done], at)).toBe(1);
        // A result whose lease another worker took is dropped, and not counted.
        expect(await s.deliveries.complete([{ ...done, leaseOwner: "stale" }], at)).toBe(0);
      }
      const range = { since: start, until: start + 3 * MINUTE, bucketMs: MINUTE, appId: app.id };
      const expected = [
        { start, succeeded: 0, retrying: 1, failed: 0 },
        { start: start + MINUTE, succeeded: 0, retrying: 1, failed: 0 },
        { start: start + 2 * MINUTE, succeeded: 0, retrying: 0, failed: 1 },
      ];
      expect(await s.dashboard.deliveryRate(range)).toEqual(expected);
      // The charts do not depend on the attempts' rows; their own pruning goes by minute.
      await s.retention.pruneAttempts(start + 10 * MINUTE, 100);
      expect(await s.dashboard.deliveryRate(range)).toEqual(expected);
      expect(await s.retention.pruneAttemptCounts(start + MINUTE)).toBe(2); // the app's row and the total
      expect(await s.dashboard.deliveryRate(range)).toEqual([
        { start, succeeded: 0, retrying: 0, failed: 0 },
        ...expected.slice(1),
      ]);
    },
  );

  conformance(t, "disabled endpoints and the backlog, overall and for one application", async () => {
    const s = t.storage();
    const a = await appWithEndpoint(s);
    const b = await appWithEndpoint(s);
    await s.endpoints.update({ ...a.endpoint, disabled: true, updatedAt: T0 + 1 });
    const [disabled] = await s.dashboard.disabledEndpoints(undefined, 10);
    expect(disabled).toMatchObject({ id: a.endpoint.id, appId: a.app.id, reason: "disabled by the operator" });
    expect(await s.dashboard.disabledEndpoints(a.app.id, 10)).toHaveLength(1);
    expect(await s.dashboard.disabledEndpoints(b.app.id, 10)).toEqual([]);

    // b's oldest due row is its second endpoint's; a's rows are older and many.
    const second = makeEndpoint(b.app.id);
    await s.endpoints.create(second);
    for (let i = 0; i < 3; i++) await publish(s, a.app.id, [a.endpoint.id], T0 - 5000 + i);
    await publish(s, b.app.id, [b.endpoint.id], T0 - 1000);
    await publish(s, b.app.id, [second.id], T0 - 2000);
    await publish(s, b.app.id, [second.id], T0 + 1000);
    expect(await s.deliveries.backlog(T0)).toEqual({ due: 5, dueCapped: false, oldestDueAt: T0 - 5000 });
    expect(await s.deliveries.backlog(T0, b.app.id)).toEqual({ due: 2, dueCapped: false, oldestDueAt: T0 - 2000 });
    expect(await s.deliveries.backlog(T0, b.app.id, 1)).toEqual({ due: 1, dueCapped: true, oldestDueAt: T0 - 2000 });
  });
}
