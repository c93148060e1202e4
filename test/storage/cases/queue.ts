// Conformance: the delivery queue. Claims lease rows, completions are guarded by the lease
// owner, and everything a worker does not finish falls due again.
import { expect } from "vitest";
import { MessageStatus, TriggerType, type Endpoint } from "../../../src/domain/model.js";
import {
  StaleRoutingError,
  type CompletedAttempt,
  type DeliveryCompletion,
  type Routing,
  type Storage,
} from "../../../src/storage/contract.js";
import { newId } from "../../../src/lib/ids.js";
import { appWithEndpoint, makeApp, makeAttempt, makeEndpoint, makeMessage, publish, T0 } from "../fixtures.js";
import { claimAll } from "./records.js";
import { conformance, type CaseContext } from "./context.js";

export function completion(
  claimed: { delivery: { id: string; endpointId: string }; message: Parameters<typeof makeAttempt>[0] },
  leaseOwner: string,
  kind: DeliveryCompletion,
): CompletedAttempt {
  return {
    deliveryId: claimed.delivery.id,
    leaseOwner,
    attempt: makeAttempt(claimed.message, claimed.delivery.endpointId, {
      status: kind.kind === "succeeded" ? MessageStatus.success : MessageStatus.fail,
    }),
    completion: kind,
  };
}

/** Claims everything due until nothing is left, in batches of `limit`. */
async function drain(s: Storage, owner: string, nowMs: number, limit: number): Promise<string[]> {
  const ids: string[] = [];
  for (let round = 0; ; round++) {
    const batch = await s.deliveries.claimDue(claimAll(`${owner}:${round}`, nowMs, { limit }));
    if (batch.length === 0) return ids;
    expect(batch.length).toBeLessThanOrEqual(limit);
    ids.push(...batch.map((c) => c.delivery.id));
  }
}

/** A routing read without its guard, to compare what it says. */
const withoutGuard = (routing: Routing | null): Omit<Routing, "guard"> | null =>
  routing && { app: routing.app, endpoints: routing.endpoints };

export function queueCases(t: CaseContext): void {
  conformance(t, "backlog counts due rows nobody holds and names the oldest", async () => {
    const s = t.storage();
    const { app, endpoint } = await appWithEndpoint(s);
    expect(await s.deliveries.backlog(T0)).toEqual({ due: 0, dueCapped: false, oldestDueAt: null });
    expect(await s.deliveries.backlog(T0, app.id)).toEqual({ due: 0, dueCapped: false, oldestDueAt: null });
    await publish(s, app.id, [endpoint.id], T0 - 2000);
    await publish(s, app.id, [endpoint.id], T0 - 1000);
    await publish(s, app.id, [endpoint.id], T0 + 60_000);
    expect(await s.deliveries.backlog(T0)).toEqual({ due: 2, dueCapped: false, oldestDueAt: T0 - 2000 });
    expect(await s.deliveries.backlog(T0, app.id)).toEqual({ due: 2, dueCapped: false, oldestDueAt: T0 - 2000 });
    // A leased row is in flight, not waiting.
    await s.deliveries.claimDue(claimAll("w1", T0, { limit: 1, leaseMs: 5000 }));
    const waiting = { due: 1, dueCapped: false, oldestDueAt: T0 - 1000 };
    expect(await s.deliveries.backlog(T0)).toEqual(waiting);
    expect(await s.deliveries.backlog(T0, app.id)).toEqual(waiting);
  });

  conformance(t, "backlog counts stop at the limit and say so", async () => {
    const s = t.storage();
    const { app, endpoint } = await appWithEndpoint(s);
    const other = makeEndpoint(app.id);
    await s.endpoints.create(other);
    for (const [i, at] of [T0 - 3000, T0 - 2000, T0 - 1000].entries()) {
      await publish(s, app.id, [i === 1 ? other.id : endpoint.id], at);
    }
    for (const appId of [undefined, app.id]) {
      expect(await s.deliveries.backlog(T0, appId, 3)).toEqual({ due: 3, dueCapped: false, oldestDueAt: T0 - 3000 });
      expect(await s.deliveries.backlog(T0, appId, 2)).toEqual({ due: 2, dueCapped: true, oldestDueAt: T0 - 3000 });
    }
  });

  conformance(t, "claim leases due rows with their message and endpoint; future and leased rows wait", async () => {
    const s = t.storage();
    const { app, endpoint } = await appWithEndpoint(s);
    const due = await publish(s, app.id, [endpoint.id], T0);
    await publish(s, app.id, [endpoint.id], T0 + 60_000);
    const claimed = await s.deliveries.claimDue(claimAll("w1", T0, { leaseMs: 5000 }));
    expect(claimed).toHaveLength(1);
    const [c] = claimed;
    expect(c!.leaseOwner).toBe("w1");
    expect(c!.message).toEqual(due.message);
    expect(c!.endpoint).toEqual(endpoint);
    expect(c!.delivery).toMatchObject({
      id: due.deliveryIds[0],
      messageId: due.message.id,
      endpointId: endpoint.id,
      appId: app.id,
      status: MessageStatus.sending,
      attemptCount: 0,
      nextAttemptAt: T0 + 5000,
      trigger: TriggerType.scheduled,
    });
    expect(await s.deliveries.claimDue(claimAll("w2", T0 + 4999))).toEqual([]);
  });

  conformance(t, "an expired lease is claimable by another worker", async () => {
    const s = t.storage();
    const { app, endpoint } = await appWithEndpoint(s);
    const { deliveryIds } = await publish(s, app.id, [endpoint.id], T0);
    await s.deliveries.claimDue(claimAll("w1", T0, { leaseMs: 1000 }));
    const reclaimed = await s.deliveries.claimDue(claimAll("w2", T0 + 1000, { leaseMs: 1000 }));
    expect(reclaimed.map((c) => [c.delivery.id, c.leaseOwner])).toEqual([[deliveryIds[0], "w2"]]);
  });

  conformance(t, "a claim takes at most `limit` rows and leaves the rest claimable at once", async () => {
    const s = t.storage();
    const { app, endpoint } = await appWithEndpoint(s);
    const expected: string[] = [];
    const endpoints = [endpoint.id];
    for (let i = 0; i < 4; i++) {
      const ep = makeEndpoint(app.id);
      await s.endpoints.create(ep);
      endpoints.push(ep.id);
    }
    for (let i = 0; i < 5; i++) expected.push(...(await publish(s, app.id, endpoints, T0 + i)).deliveryIds);
    const first = await s.deliveries.claimDue(claimAll("w1", T0 + 10, { limit: 3 }));
    expect(first).toHaveLength(3);
    const rest = await drain(s, "w2", T0 + 10, 4);
    expect(new Set([...first.map((c) => c.delivery.id), ...rest])).toEqual(new Set(expected));
    expect(first.length + rest.length).toBe(expected.length);
  });

  conformance(t, "claims cap rows per endpoint, honour exclusions, and go oldest first", async () => {
    const s = t.storage();
    const { app, endpoint: a } = await appWithEndpoint(s);
    const b = makeEndpoint(app.id);
    await s.endpoints.create(b);
    const aIds: string[] = [];
    for (let i = 0; i < 5; i++) aIds.push(...(await publish(s, app.id, [a.id], T0 + i)).deliveryIds);
    const bIds: string[] = [];
    for (let i = 0; i < 5; i++) bIds.push(...(await publish(s, app.id, [b.id], T0 + 10 + i)).deliveryIds);
    const capped = await s.deliveries.claimDue(claimAll("w1", T0 + 100, { perEndpointLimit: 2 }));
    expect(capped.map((c) => c.delivery.id)).toEqual([aIds[0], aIds[1], bIds[0], bIds[1]]);
    const excluded = await s.deliveries.claimDue(claimAll("w2", T0 + 100, { excludeEndpointIds: [a.id] }));
    expect(excluded.map((c) => c.delivery.id)).toEqual(bIds.slice(2));
  });

  conformance(t, "claims that leave out an endpoint with a deep backlog still find the others' rows", async () => {
    // 1,000 due rows of A (the threshold for going endpoint by endpoint), older than the rest.
    const s = t.storage();
    const { app, endpoint: a } = await appWithEndpoint(s);
    // Besides B and C, endpoints the claim must pass over, their ids between and after B's and
    // C's: one with nothing queued, one with only finished deliveries, one with a held delivery
    // (pending without a due time, as for an unverified endpoint), one with only later ones.
    const created = async (): Promise<Endpoint> => {
      const endpoint = makeEndpoint(app.id);
      await s.endpoints.create(endpoint);
      return endpoint;
    };
    await created(); // nothing queued
    const finished = await created();
    const b = await created();
    const held = await created();
    const c = await created();
    const later = await created();
    const toFinish = await publish(s, app.id, [finished.id], T0);
    const [finishing] = await s.deliveries.claimDue({ ...claimAll("w0", T0), deliveryIds: toFinish.deliveryIds });
    expect(await s.deliveries.complete([completion(finishing!, "w0", { kind: "succeeded" })], T0)).toBe(1);
    await s.messages.create(makeMessage(app.id), [{ id: newId("delivery"), endpointId: held.id, held: true }], T0);
    await publish(s, app.id, [later.id], T0 + 60_000);
    const aIds: string[] = [];
    for (let chunk = 0; chunk < 10; chunk++) {
      const published = await Promise.all(
        Array.from({ length: 100 }, (_, i) => publish(s, app.id, [a.id], T0 + chunk * 100 + i)),
      );
      aIds.push(...published.flatMap((p) => p.deliveryIds));
    }
    const bIds: string[] = [];
    for (let i = 0; i < 3; i++) bIds.push(...(await publish(s, app.id, [b.id], T0 + 2000 + i)).deliveryIds);
    const cIds: string[] = [];
    for (let i = 0; i < 2; i++) cIds.push(...(await publish(s, app.id, [c.id], T0 + 1500 + i)).deliveryIds);
    await publish(s, app.id, [b.id], T0 + 60_000); // not due yet

    // Oldest first across the other endpoints (C's rows are older than B's), within the caps.
    const now = T0 + 5000;
    const ids = (claimed: { delivery: { id: string } }[]) => new Set(claimed.map((d) => d.delivery.id));
    const first = await s.deliveries.claimDue(
      claimAll("w1", now, { limit: 3, perEndpointLimit: 2, excludeEndpointIds: [a.id] }),
    );
    expect(ids(first)).toEqual(new Set([cIds[0], cIds[1], bIds[0]]));
    const second = await s.deliveries.claimDue(claimAll("w2", now, { limit: 10, excludeEndpointIds: [a.id] }));
    expect(ids(second)).toEqual(new Set([bIds[1], bIds[2]]));
    expect(await s.deliveries.claimDue(claimAll("w3", now, { excludeEndpointIds: [a.id] }))).toEqual([]);
    // A's backlog was left as it was: without the exclusion its oldest come first.
    const third = await s.deliveries.claimDue(claimAll("w4", now, { limit: 3 }));
    expect(ids(third)).toEqual(new Set(aIds.slice(0, 3)));
  });

  conformance(t, "completions record attempts and move deliveries on: success, retry, failure", async () => {
    const s = t.storage();
    const { app, endpoint } = await appWithEndpoint(s);
    for (let i = 0; i < 3; i++) await publish(s, app.id, [endpoint.id], T0 + i);
    const claimed = await s.deliveries.claimDue(claimAll("w", T0 + 10));
    const [ok, retry, fail] = claimed as [(typeof claimed)[0], (typeof claimed)[0], (typeof claimed)[0]];
    const applied = await s.deliveries.complete(
      [
        completion(ok, "w", { kind: "succeeded" }),
        completion(retry, "w", { kind: "retry", nextAttemptAt: T0 + 5000 }),
        completion(fail, "w", { kind: "failed" }),
      ],
      T0 + 20,
    );
    expect(applied).toBe(3);
    const rows = await s.deliveries.listForEndpoint(app.id, endpoint.id, { limit: 10, order: "ascending" });
    expect(rows.items.map((r) => [r.delivery.status, r.delivery.attemptCount, r.delivery.nextAttemptAt])).toEqual([
      [MessageStatus.success, 1, null],
      [MessageStatus.pending, 1, T0 + 5000],
      [MessageStatus.fail, 1, null],
    ]);
    expect(await s.deliveries.claimDue(claimAll("w2", T0 + 4999))).toEqual([]);
    const again = await s.deliveries.claimDue(claimAll("w2", T0 + 5000));
    expect(again.map((c) => [c.delivery.id, c.delivery.attemptCount])).toEqual([[retry.delivery.id, 1]]);
    const attempts = await s.attempts.listForEndpoint(app.id, endpoint.id, { limit: 10 });
    expect(attempts.items).toHaveLength(3);
  });

  conformance(t, "large batches: a fan-out to 600 endpoints, 600 completions in one call", async () => {
    const s = t.storage();
    const { app } = await appWithEndpoint(s);
    const endpointIds: string[] = [];
    for (let i = 0; i < 600; i++) {
      const ep = makeEndpoint(app.id);
      await s.endpoints.create(ep);
      endpointIds.push(ep.id);
    }
    const { message, deliveryIds } = await publish(s, app.id, endpointIds, T0);
    const claimed = await s.deliveries.claimDue(claimAll("w", T0, { limit: 600 }));
    expect(new Set(claimed.map((c) => c.delivery.id))).toEqual(new Set(deliveryIds));
    // One stale result in the middle is dropped; the other 599 apply.
    const results = claimed.map((c, i) => completion(c, i === 300 ? "stale" : "w", { kind: "succeeded" }));
    expect(await s.deliveries.complete(results, T0 + 1)).toBe(599);
    const attempts = await s.attempts.listForMessage(app.id, message.id, { limit: 1000 });
    expect(attempts.items).toHaveLength(599);
    expect((await s.deliveries.stats(endpointIds[0]!, {}, T0 + 2)).success).toBe(1);
  });

  conformance(t, "a completion whose lease was taken over is dropped", async () => {
    const s = t.storage();
    const { app, endpoint } = await appWithEndpoint(s);
    const { message } = await publish(s, app.id, [endpoint.id], T0);
    const [stale] = await s.deliveries.claimDue(claimAll("slow", T0, { leaseMs: 1000 }));
    const [fresh] = await s.deliveries.claimDue(claimAll("fast", T0 + 1000, { leaseMs: 1000 }));
    expect(await s.deliveries.complete([completion(stale!, "slow", { kind: "failed" })], T0 + 1500)).toBe(0);
    expect(await s.deliveries.complete([completion(fresh!, "fast", { kind: "succeeded" })], T0 + 1500)).toBe(1);
    // The late one again, after the row moved on: still dropped, and its attempt is not stored.
    expect(await s.deliveries.complete([completion(stale!, "slow", { kind: "failed" })], T0 + 1600)).toBe(0);
    const attempts = await s.attempts.listForMessage(app.id, message.id, { limit: 10 });
    expect(attempts.items.map((a) => a.status)).toEqual([MessageStatus.success]);
    const [row] = (await s.deliveries.listForMessage(app.id, message.id, { limit: 10 })).items;
    expect(row!.delivery).toMatchObject({ status: MessageStatus.success, attemptCount: 1 });
  });

  conformance(t, "release hands leases back at once, only for their owner", async () => {
    const s = t.storage();
    const { app, endpoint } = await appWithEndpoint(s);
    const { deliveryIds } = await publish(s, app.id, [endpoint.id], T0);
    await s.deliveries.claimDue(claimAll("w1", T0));
    await s.deliveries.release(deliveryIds, "someone-else", T0 + 1);
    expect(await s.deliveries.claimDue(claimAll("w2", T0 + 1))).toEqual([]);
    await s.deliveries.release(deliveryIds, "w1", T0 + 1);
    expect((await s.deliveries.claimDue(claimAll("w2", T0 + 1))).map((c) => c.delivery.id)).toEqual(deliveryIds);
    await s.deliveries.release([], "w2", T0 + 2);
  });

  conformance(t, "resend starts a manual round; a leased delivery keeps its lease", async () => {
    const s = t.storage();
    const { app, endpoint } = await appWithEndpoint(s);
    const other = makeEndpoint(app.id);
    await s.endpoints.create(other);
    const { message } = await publish(s, app.id, [endpoint.id], T0);
    const [c] = await s.deliveries.claimDue(claimAll("w", T0));
    await s.deliveries.complete([completion(c!, "w", { kind: "succeeded" })], T0 + 1);
    await s.deliveries.resend(app.id, message.id, endpoint.id, T0 + 2);
    // An endpoint the message never went to gets a delivery of its own.
    await s.deliveries.resend(app.id, message.id, other.id, T0 + 2);
    const claimed = await s.deliveries.claimDue(claimAll("w2", T0 + 2, { leaseMs: 1000 }));
    expect(claimed.map((x) => [x.delivery.endpointId, x.delivery.attemptCount, x.delivery.trigger]).sort()).toEqual(
      [
        [endpoint.id, 0, TriggerType.manual],
        [other.id, 0, TriggerType.manual],
      ].sort(),
    );
    // Resending while a worker holds the row must not hand it to a second worker.
    await s.deliveries.resend(app.id, message.id, endpoint.id, T0 + 3);
    expect(await s.deliveries.claimDue(claimAll("w3", T0 + 3))).toEqual([]);
    expect(await s.deliveries.claimDue(claimAll("w3", T0 + 1002))).toHaveLength(2);
  });

  conformance(t, "recover requeues failed deliveries created in the range only", async () => {
    const s = t.storage();
    const { app, endpoint } = await appWithEndpoint(s);
    const early = await publish(s, app.id, [endpoint.id], T0, { createdAt: T0 });
    const inRange = await publish(s, app.id, [endpoint.id], T0, { createdAt: T0 + 100 });
    const pending = await publish(s, app.id, [endpoint.id], T0 + 10_000, { createdAt: T0 + 150 });
    const claimed = await s.deliveries.claimDue(claimAll("w", T0 + 200));
    await s.deliveries.complete(
      claimed.map((c) => completion(c, "w", { kind: "failed" })),
      T0 + 200,
    );
    expect(await s.deliveries.recover(endpoint.id, T0 + 50, T0 + 200, T0 + 300)).toBe(1);
    const requeued = await s.deliveries.claimDue(claimAll("w2", T0 + 300));
    expect(requeued.map((c) => [c.message.id, c.delivery.trigger])).toEqual([[inRange.message.id, TriggerType.manual]]);
    expect([early.message.id, pending.message.id]).not.toContain(requeued[0]!.message.id);
  });

  conformance(t, "stats count deliveries by state, leased pending rows as sending", async () => {
    const s = t.storage();
    const { app, endpoint } = await appWithEndpoint(s);
    for (let i = 0; i < 4; i++) await publish(s, app.id, [endpoint.id], T0 + i, { createdAt: T0 + i });
    await publish(s, app.id, [endpoint.id], T0 + 50_000, { createdAt: T0 + 10 });
    const claimed = await s.deliveries.claimDue(claimAll("w", T0 + 10, { leaseMs: 10_000 }));
    await s.deliveries.complete(
      [completion(claimed[0]!, "w", { kind: "succeeded" }), completion(claimed[1]!, "w", { kind: "failed" })],
      T0 + 20,
    );
    expect(await s.deliveries.stats(endpoint.id, {}, T0 + 30)).toEqual({
      success: 1,
      fail: 1,
      sending: 2,
      pending: 1,
      canceled: 0,
    });
    expect(await s.deliveries.stats(endpoint.id, { after: T0 + 1, before: T0 + 10 }, T0 + 30)).toEqual({
      success: 0,
      fail: 0,
      sending: 2,
      pending: 0,
      canceled: 0,
    });
  });

  conformance(t, "two processes claiming at once never get the same row", async () => {
    const s = t.storage();
    const other = await t.another();
    const { app } = await appWithEndpoint(s);
    const endpointIds: string[] = [];
    for (let i = 0; i < 10; i++) {
      const ep = makeEndpoint(app.id);
      await s.endpoints.create(ep);
      endpointIds.push(ep.id);
    }
    const all: string[] = [];
    for (let i = 0; i < 20; i++) all.push(...(await publish(s, app.id, endpointIds, T0 + i)).deliveryIds);
    const [mine, theirs] = await Promise.all([drain(s, "a", T0 + 100, 7), drain(other, "b", T0 + 100, 7)]);
    expect(mine.length + theirs.length).toBe(all.length);
    expect(new Set([...mine, ...theirs])).toEqual(new Set(all));
  });

  conformance(
    t,
    "a delivery stored leased (sent straight from publish) waits for its lease and completes with it",
    async () => {
      const s = t.storage();
      const { app, endpoint } = await appWithEndpoint(s);
      const other = makeEndpoint(app.id);
      await s.endpoints.create(other);
      const message = makeMessage(app.id);
      const leased = { id: newId("delivery"), endpointId: endpoint.id, lease: { owner: "direct:1", until: T0 + 5000 } };
      const plain = { id: newId("delivery"), endpointId: other.id };
      await s.messages.create(message, [leased, plain], T0);
      // Only the unleased one is due; the leased one is in flight, as if claimed.
      expect(await s.deliveries.backlog(T0)).toEqual({ due: 1, dueCapped: false, oldestDueAt: T0 });
      const claimed = await s.deliveries.claimDue(claimAll("w1", T0, { leaseMs: 5000 }));
      expect(claimed.map((c) => c.delivery.id)).toEqual([plain.id]);
      // Its owner's result is recorded; another owner's is not.
      const sent = { delivery: { id: leased.id, endpointId: endpoint.id }, message };
      expect(await s.deliveries.complete([completion(sent, "someone-else", { kind: "succeeded" })], T0 + 10)).toBe(0);
      expect(await s.deliveries.complete([completion(sent, "direct:1", { kind: "succeeded" })], T0 + 10)).toBe(1);
    },
  );

  conformance(
    t,
    "a leased delivery whose process died is claimed by another worker when the lease runs out",
    async () => {
      const s = t.storage();
      const { app, endpoint } = await appWithEndpoint(s);
      const message = makeMessage(app.id);
      const leased = { id: newId("delivery"), endpointId: endpoint.id, lease: { owner: "gone:1", until: T0 + 5000 } };
      await s.messages.create(message, [leased], T0);
      expect(await s.deliveries.claimDue(claimAll("w1", T0 + 4999))).toEqual([]);
      const reclaimed = await s.deliveries.claimDue(claimAll("w1", T0 + 5000));
      expect(reclaimed.map((c) => [c.delivery.id, c.leaseOwner, c.delivery.attemptCount])).toEqual([
        [leased.id, "w1", 0],
      ]);
    },
  );

  conformance(
    t,
    "routing sees every endpoint write at once (cached where this process is the only writer)",
    async () => {
      const s = t.storage();
      const { app, endpoint } = await appWithEndpoint(s);
      // What a publish reads (the app with its endpoints, one statement on PostgreSQL) agrees
      // with the two separate reads, by id and by uid, after every write. A copy kept from an
      // earlier read (PostgreSQL) is checked when the message is stored: see the next cases.
      const agree = async () => {
        const routed = await s.routing.load(app.id, { fresh: true });
        expect(withoutGuard(routed)).toEqual({
          app: await s.applications.get(app.id),
          endpoints: await s.endpoints.listForRouting(app.id),
        });
        if (app.uid) expect(withoutGuard(await s.routing.load(app.uid, { fresh: true }))).toEqual(withoutGuard(routed));
      };
      const ids = async () => {
        await agree();
        return (await s.endpoints.listForRouting(app.id)).map((e) => [e.id, e.disabled, e.url]);
      };
      expect(await ids()).toEqual([[endpoint.id, false, endpoint.url]]);
      const second = makeEndpoint(app.id);
      await s.endpoints.create(second);
      expect(await ids()).toEqual(
        [
          [endpoint.id, false, endpoint.url],
          [second.id, false, second.url],
        ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
      );
      await s.endpoints.update({ ...endpoint, url: "https://changed.example/hook", updatedAt: T0 + 1 });
      expect((await ids()).find(([id]) => id === endpoint.id)).toEqual([
        endpoint.id,
        false,
        "https://changed.example/hook",
      ]);
      // Disabled by the health check (a 410), not through the API.
      await s.endpoints.recordHealth({ succeeded: [], failed: [], gone: [second.id] }, T0 + 2, T0);
      expect((await ids()).find(([id]) => id === second.id)).toEqual([second.id, true, second.url]);
      // A circuit opened by a worker shows in what publish reads, so it stops sending straight away.
      await s.endpoints.openCircuit(endpoint.id, T0 + 3, 60_000, "failing");
      const opened = (await s.endpoints.listForRouting(app.id)).find((e) => e.id === endpoint.id);
      expect(opened?.control.holdUntil).toBe(T0 + 3 + 60_000);
      await s.endpoints.delete(app.id, second.id);
      expect((await ids()).map(([id]) => id)).toEqual([endpoint.id]);
      await s.applications.delete(app.id);
      expect(await s.applications.get(app.id)).toBeNull();
      expect(await s.endpoints.listForRouting(app.id)).toEqual([]);
      expect(await s.routing.load(app.id, { fresh: true })).toBeNull();
    },
  );

  conformance(t, "a publish by routing that another writer changed since it was read stores nothing", async () => {
    const s = t.storage();
    const { app, endpoint } = await appWithEndpoint(s);
    const read = (await s.routing.load(app.id))!;
    // PostgreSQL: another instance's write. SQLite has one writer per database, this process.
    const writer = t.dialect === "postgres" ? await t.another() : s;
    const moved = "https://moved.example/hook";
    await writer.endpoints.update({ ...endpoint, url: moved, updatedAt: T0 + 1 });
    const routed = (await s.routing.load(app.id))!;
    const message = makeMessage(app.id);
    const delivery = () => [{ id: newId("delivery"), endpointId: endpoint.id }];
    if (routed.guard === undefined) {
      // The only writer's cache: dropped by the write itself.
      expect(routed.endpoints.map((e) => e.url)).toEqual([moved]);
    } else {
      expect(routed).toBe(read); // the kept copy, outdated
      await expect(s.messages.create(message, delivery(), T0, routed.guard)).rejects.toBeInstanceOf(StaleRoutingError);
      await expect(s.messages.create(message, [], T0, routed.guard)).rejects.toBeInstanceOf(StaleRoutingError);
      expect(await s.messages.get(app.id, message.id)).toBeNull();
      expect(await s.deliveries.backlog(T0, app.id)).toMatchObject({ due: 0 });
    }
    const fresh = (await s.routing.load(app.id, { fresh: true }))!;
    expect(fresh.endpoints.map((e) => e.url)).toEqual([moved]);
    await s.messages.create(message, delivery(), T0, fresh.guard);
    expect((await s.messages.get(app.id, message.id))?.id).toBe(message.id);
    expect(await s.deliveries.backlog(T0, app.id)).toMatchObject({ due: 1 });
    // The fresh read is what later loads answer with.
    expect(withoutGuard(await s.routing.load(app.id))).toEqual(withoutGuard(fresh));
  });

  conformance(t, "publishes stored together fail only by their own fault", async () => {
    const s = t.storage();
    const { app, endpoint } = await appWithEndpoint(s);
    const routed = (await s.routing.load(app.id))!;
    await s.messages.create(makeMessage(app.id, { eventId: "taken" }), [], T0);
    // PostgreSQL: another instance's write outdates the kept routing of the guarded publish below.
    if (routed.guard !== undefined) {
      await (await t.another()).endpoints.update({ ...endpoint, description: "changed", updatedAt: T0 + 1 });
    }
    let stored = 0;
    // Without a statement error (the batch leaves the faulty ones out), and with one (a delivery
    // to an endpoint that does not exist fails the statement, so each is stored alone).
    for (const orphan of [false, true]) {
      const publishes = [
        { fault: null, message: makeMessage(app.id), endpointId: endpoint.id },
        // Conflicts without deliveries: a delivery of a message the batch left out would fail the
        // batch (its foreign key), and the messages stored alone would hide a wrong answer.
        { fault: "conflict", message: makeMessage(app.id, { eventId: "taken" }), endpointId: null },
        { fault: null, message: makeMessage(app.id, { eventId: `fresh-${orphan}` }), endpointId: endpoint.id },
        { fault: "conflict", message: makeMessage(app.id, { eventId: "taken" }), endpointId: null },
        { fault: routed.guard === undefined ? null : "stale", message: makeMessage(app.id), endpointId: endpoint.id },
        ...(orphan ? [{ fault: "no such endpoint", message: makeMessage(app.id), endpointId: "ep_doesnotexist" }] : []),
        { fault: null, message: makeMessage(app.id), endpointId: endpoint.id },
      ];
      // Started in one turn, as concurrent API requests are: stored together where that is done.
      const results = await Promise.allSettled(
        publishes.map(({ message, endpointId }, i) =>
          s.messages.create(
            message,
            endpointId === null ? [] : [{ id: newId("delivery"), endpointId }],
            T0,
            i === 4 ? routed.guard : undefined,
          ),
        ),
      );
      expect(results.map((r) => r.status)).toEqual(publishes.map((p) => (p.fault ? "rejected" : "fulfilled")));
      expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ kind: "conflict" });
      expect((results[3] as PromiseRejectedResult).reason).toMatchObject({ kind: "conflict" });
      if (routed.guard !== undefined) {
        expect((results[4] as PromiseRejectedResult).reason).toBeInstanceOf(StaleRoutingError);
      }
      for (const { fault, message } of publishes) {
        expect((await s.messages.get(app.id, message.id))?.id ?? null).toBe(fault ? null : message.id);
      }
      stored += publishes.filter((p) => !p.fault).length;
      expect(await s.deliveries.backlog(T0, app.id)).toMatchObject({ due: stored });
    }
  });

  conformance(t, "a routing guard outlives writes that leave what routing reads unchanged", async () => {
    const s = t.storage();
    // Claims write a rate-limited endpoint's next send slot, which routing does not read.
    const { app, endpoint } = await appWithEndpoint(s, { rateLimit: 10 });
    const routed = (await s.routing.load(app.id))!;
    await publish(s, app.id, [endpoint.id], T0);
    expect(await s.deliveries.claimDue(claimAll("w1", T0))).toHaveLength(1);
    const message = makeMessage(app.id);
    await s.messages.create(message, [{ id: newId("delivery"), endpointId: endpoint.id }], T0, routed.guard);
    expect((await s.messages.get(app.id, message.id))?.id).toBe(message.id);
    if (routed.guard !== undefined) {
      // An app deleted meanwhile refuses it, as any change does.
      await s.applications.delete(app.id);
      await expect(s.messages.create(makeMessage(app.id), [], T0, routed.guard)).rejects.toBeInstanceOf(
        StaleRoutingError,
      );
    }
  });

  conformance(t, "routing loads an app by id or uid, with no endpoints, and null for none", async () => {
    const s = t.storage();
    const bare = makeApp({ uid: `shop-${newId("application").slice(-6)}` });
    await s.applications.create(bare);
    expect(withoutGuard(await s.routing.load(bare.id))).toEqual({ app: bare, endpoints: [] });
    expect(withoutGuard(await s.routing.load(bare.uid!))).toEqual({ app: bare, endpoints: [] });
    // A uid shaped like an id is looked up by id first, then found by uid.
    const lookalike = makeApp({ uid: `app_lookalike${newId("application").slice(-6)}` });
    await s.applications.create(lookalike);
    const endpoint = makeEndpoint(lookalike.id);
    await s.endpoints.create(endpoint);
    expect(withoutGuard(await s.routing.load(lookalike.uid!))).toEqual({
      app: lookalike,
      endpoints: await s.endpoints.listForRouting(lookalike.id),
    });
    expect((await s.routing.load(lookalike.uid!))?.endpoints.map((e) => e.id)).toEqual([endpoint.id]);
    expect(await s.routing.load("app_doesnotexist")).toBeNull();
    expect(await s.routing.load("no-such-uid")).toBeNull();
  });
}
