// Conformance: the delivery engine's endpoint gates (circuit breaker, adaptive throttle) and
// ordered delivery, as every claim on either database must apply them.
import { expect } from "vitest";
import { CircuitState } from "../../../src/domain/model.js";
import { newId } from "../../../src/lib/ids.js";
import type { Storage } from "../../../src/storage/contract.js";
import { appWithEndpoint, makeMessage, publish, T0 } from "../fixtures.js";
import { completion } from "./queue.js";
import { claimAll } from "./records.js";
import { conformance, type CaseContext } from "./context.js";

async function publishOrdered(s: Storage, appId: string, endpointId: string, orderKey: string, createdAt: number) {
  const message = makeMessage(appId, { orderingKey: orderKey, createdAt });
  const id = newId("delivery");
  await s.messages.create(message, [{ id, endpointId, orderKey }], createdAt);
  return id;
}

export function controlCases(t: CaseContext): void {
  conformance(
    t,
    "circuit: held without spending attempts, one probe after the cooldown, closing releases the rest",
    async () => {
      const s = t.storage();
      const { app, endpoint } = await appWithEndpoint(s);
      for (let i = 0; i < 5; i++) await publish(s, app.id, [endpoint.id]);
      await s.endpoints.openCircuit(endpoint.id, T0, 1000, "5 of 5 failed");

      expect(await s.deliveries.claimDue(claimAll("a", T0 + 10))).toEqual([]);
      const held = await s.endpoints.get(app.id, endpoint.id);
      expect(held?.control).toMatchObject({
        circuit: CircuitState.open,
        holdUntil: T0 + 1000,
        holdReason: "5 of 5 failed",
      });

      // After the cooldown exactly one delivery goes, even to two workers claiming.
      const probe = await s.deliveries.claimDue(claimAll("a", T0 + 1000));
      expect(probe).toHaveLength(1);
      expect(probe[0]!.delivery.attemptCount).toBe(0);
      expect(probe[0]!.endpoint?.control.circuit).toBe(CircuitState.halfOpen);
      const other = await t.another();
      expect(await other.deliveries.claimDue(claimAll("b", T0 + 1001))).toEqual([]);

      // The probe succeeded: the other four are due at once, none having spent an attempt.
      await s.deliveries.complete([completion(probe[0]!, "a", { kind: "succeeded" })], T0 + 1002);
      await s.endpoints.closeCircuits([endpoint.id]);
      const rest = await other.deliveries.claimDue(claimAll("b", T0 + 1003));
      expect(rest).toHaveLength(4);
      expect(rest.every((c) => c.delivery.attemptCount === 0)).toBe(true);
      expect((await s.endpoints.get(app.id, endpoint.id))?.control.circuit).toBe(CircuitState.closed);
    },
  );

  conformance(t, "circuit: a failed probe re-opens it; the next probe waits for the new cooldown", async () => {
    const s = t.storage();
    const { app, endpoint } = await appWithEndpoint(s);
    for (let i = 0; i < 3; i++) await publish(s, app.id, [endpoint.id]);
    await s.endpoints.openCircuit(endpoint.id, T0, 1000, "failing");
    const [probe] = await s.deliveries.claimDue(claimAll("a", T0 + 1000));
    await s.deliveries.complete([completion(probe!, "a", { kind: "retry", nextAttemptAt: T0 + 5000 })], T0 + 1100);
    await s.endpoints.openCircuit(endpoint.id, T0 + 1100, 2000, "failing");
    expect(await s.deliveries.claimDue(claimAll("a", T0 + 3000))).toEqual([]);
    const again = await s.deliveries.claimDue(claimAll("a", T0 + 3100));
    expect(again).toHaveLength(1);
    expect((await s.endpoints.get(app.id, endpoint.id))?.control.circuitOpenedAt).toBe(T0);
  });

  conformance(
    t,
    "throttle: a deferred attempt is recorded without spending the budget; hold, then a lower rate",
    async () => {
      const s = t.storage();
      const { app, endpoint } = await appWithEndpoint(s);
      for (let i = 0; i < 10; i++) await publish(s, app.id, [endpoint.id]);
      const [first] = await s.deliveries.claimDue(claimAll("a", T0, { limit: 1 }));
      await s.deliveries.complete([completion(first!, "a", { kind: "deferred", nextAttemptAt: T0 + 2000 })], T0 + 5);
      // It was sending at 40/s when told to slow down: the throttle starts at half of that.
      expect(await s.endpoints.throttle(endpoint.id, T0 + 5, T0 + 2000, 40)).toBe(20);
      let control = (await s.endpoints.get(app.id, endpoint.id))!.control;
      expect(control).toMatchObject({ throttleRate: 20, throttleCeiling: 40, holdUntil: T0 + 2000 });
      // Another refusal within the second holds it, but takes no second step.
      expect(await s.endpoints.throttle(endpoint.id, T0 + 500, T0 + 2000, 40)).toBeNull();
      expect((await s.endpoints.get(app.id, endpoint.id))!.control.throttleRate).toBe(20);

      expect(await s.deliveries.claimDue(claimAll("a", T0 + 1000))).toEqual([]);
      const resumed = await s.deliveries.claimDue(claimAll("a", T0 + 2000));
      // 20/s: slots 50 ms apart, at most a second ahead.
      expect(resumed.map((c) => c.sendAt - (T0 + 2000))).toEqual(Array.from({ length: 10 }, (_, i) => i * 50));
      const again = resumed.find((c) => c.delivery.id === first!.delivery.id);
      expect(again?.delivery.attemptCount).toBe(0);

      // Answers again: each second a step up, lifted at the ceiling.
      await s.endpoints.relaxThrottles([endpoint.id], T0 + 3000);
      control = (await s.endpoints.get(app.id, endpoint.id))!.control;
      expect(control.throttleRate).toBe(25);
      await s.endpoints.relaxThrottles([endpoint.id], T0 + 3500); // too soon: no step
      expect((await s.endpoints.get(app.id, endpoint.id))!.control.throttleRate).toBe(25);
      for (let i = 1; i <= 3; i++) await s.endpoints.relaxThrottles([endpoint.id], T0 + 3000 + i * 1000);
      control = (await s.endpoints.get(app.id, endpoint.id))!.control;
      expect(control.throttleRate).toBeNull();
    },
  );

  conformance(
    t,
    "ordering: only the oldest pending delivery of a key is claimed; finishing it wakes the next",
    async () => {
      const s = t.storage();
      const { app, endpoint } = await appWithEndpoint(s, { ordered: true });
      const a: string[] = [];
      for (let i = 0; i < 3; i++) a.push(await publishOrdered(s, app.id, endpoint.id, "a", T0 + i));
      const b1 = await publishOrdered(s, app.id, endpoint.id, "b", T0 + 3);

      const first = await s.deliveries.claimDue(claimAll("w", T0 + 10));
      expect(first.map((c) => c.delivery.id).sort()).toEqual([a[0], b1].sort());

      // a1 fails and will be retried: a2 and a3 stay behind it.
      const a1 = first.find((c) => c.delivery.id === a[0])!;
      await s.deliveries.complete([completion(a1, "w", { kind: "retry", nextAttemptAt: T0 + 1000 })], T0 + 20);
      expect(await s.deliveries.claimDue(claimAll("w2", T0 + 30))).toEqual([]);
      const retried = await s.deliveries.claimDue(claimAll("w3", T0 + 1000));
      expect(retried.map((c) => c.delivery.id)).toEqual([a[0]]);

      // a1 succeeds: a2 is due at once (not after the recheck delay), then a3 after a2.
      await s.deliveries.complete([completion(retried[0]!, "w3", { kind: "succeeded" })], T0 + 1010);
      const second = await s.deliveries.claimDue(claimAll("w4", T0 + 1011));
      expect(second.map((c) => c.delivery.id)).toEqual([a[1]]);
      await s.deliveries.complete([completion(second[0]!, "w4", { kind: "failed" })], T0 + 1020);
      const third = await s.deliveries.claimDue(claimAll("w5", T0 + 1021));
      expect(third.map((c) => c.delivery.id)).toEqual([a[2]]);
    },
  );
}
