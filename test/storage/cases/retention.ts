// Conformance: retention expunges due payloads, prunes old attempts, and deletes finished
// messages with their deliveries while keeping any message still pending.
import { expect } from "vitest";
import { appWithEndpoint, publish, T0 } from "../fixtures.js";
import { baseAttempt, claimAll } from "./records.js";
import { conformance, type CaseContext } from "./context.js";

export function retentionCases(t: CaseContext): void {
  conformance(t, "retention: payloads expire at their own time, in batches", async () => {
    const s = t.storage();
    const { app, endpoint } = await appWithEndpoint(s);
    const due = await publish(s, app.id, [endpoint.id], T0, { payloadExpiresAt: T0 + 10 });
    const dueToo = await publish(s, app.id, [endpoint.id], T0, { payloadExpiresAt: T0 + 20 });
    const later = await publish(s, app.id, [endpoint.id], T0, { payloadExpiresAt: T0 + 10_000 });
    expect(await s.retention.expirePayloads(T0 + 100, 1)).toBe(1);
    expect(await s.retention.expirePayloads(T0 + 100, 10)).toBe(1);
    expect(await s.retention.expirePayloads(T0 + 100, 10)).toBe(0);
    expect((await s.messages.get(app.id, due.message.id))!.payload).toBeNull();
    expect((await s.messages.get(app.id, dueToo.message.id))!.payload).toBeNull();
    expect((await s.messages.get(app.id, later.message.id))!.payload).toBe('{"n":1}');
  });

  conformance(t, "retention: old attempts and finished messages go, pending ones stay", async () => {
    const s = t.storage();
    const { app, endpoint } = await appWithEndpoint(s);
    const finished = await publish(s, app.id, [endpoint.id]);
    const pending = await publish(s, app.id, [endpoint.id], T0 + 60_000);
    const [claimed] = await s.deliveries.claimDue(claimAll("w", T0));
    expect(claimed!.message.id).toBe(finished.message.id);
    const attempt = baseAttempt(finished.message.id, endpoint.id, app.id);
    await s.deliveries.complete(
      [{ deliveryId: claimed!.delivery.id, leaseOwner: "w", attempt, completion: { kind: "succeeded" } }],
      T0,
    );

    // Ids carry their creation time (the real clock), so a cutoff just ahead of now covers all.
    const cutoff = Date.now() + 1000;
    expect(await s.retention.pruneAttempts(cutoff, 100)).toBe(1);
    expect(await s.attempts.get(app.id, finished.message.id, attempt.id)).toBeNull();
    expect(await s.retention.pruneMessages(cutoff, 100)).toBe(1);
    expect(await s.messages.get(app.id, finished.message.id)).toBeNull();
    expect((await s.deliveries.listForMessage(app.id, finished.message.id, { limit: 10 })).items).toEqual([]);
    expect(await s.messages.get(app.id, pending.message.id)).not.toBeNull();
    // A cutoff in the past touches nothing.
    expect(await s.retention.pruneMessages(Date.now() - 3600_000, 100)).toBe(0);
  });
}
