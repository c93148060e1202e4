// Conformance: retention expunges due payloads, prunes old attempts, deletes finished
// messages with their deliveries while keeping any message still pending, and deletes old
// inbound requests once their source's dedupe window has passed.
import { expect } from "vitest";
import { appWithEndpoint, publish, T0 } from "../fixtures.js";
import { baseAttempt, claimAll } from "./records.js";
import { conformance, type CaseContext } from "./context.js";
import { makeSource, receive } from "./sources.js";

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

  conformance(t, "retention: old inbound requests go, never inside their source's dedupe window", async () => {
    const s = t.storage();
    const { app, endpoint } = await appWithEndpoint(s);
    const hourly = makeSource(app.id, { dedupeWindowSeconds: 3600 });
    const monthly = makeSource(app.id, { dedupeWindowSeconds: 30 * 86400 });
    await s.sources.create(hourly);
    await s.sources.create(monthly);
    const first = receive(s, hourly, endpoint.id, T0, "evt_1");
    await first.outcome;
    await receive(s, hourly, endpoint.id, T0, null).outcome;
    const kept = receive(s, monthly, endpoint.id, T0, "evt_1");
    await kept.outcome;

    // Ids carry their creation time (the real clock), so a cutoff just ahead of now covers all;
    // the dedupe window is measured from received_at (the test clock).
    const cutoff = Date.now() + 1000;
    expect(await s.retention.pruneInboundRequests(cutoff, T0 + 3599_000, 10)).toBe(0);
    // Still inside the window, a repeat is still a duplicate.
    expect(await receive(s, hourly, endpoint.id, T0 + 3599_000, "evt_1").outcome).toEqual({
      kind: "duplicate",
      of: first.request,
    });
    // Past the hourly window: its two go, one batch at a time; the monthly source's stays.
    expect(await s.retention.pruneInboundRequests(cutoff, T0 + 3600_000, 1)).toBe(1);
    expect(await s.retention.pruneInboundRequests(cutoff, T0 + 3600_000, 10)).toBe(1);
    expect(await s.retention.pruneInboundRequests(cutoff, T0 + 3600_000, 10)).toBe(0);
    expect(await s.sources.getRequest(hourly.id, first.request.id)).toBeNull();
    expect((await s.sources.listRequests(hourly.id, { limit: 10 })).items).toEqual([]);
    expect(await s.sources.getRequest(monthly.id, kept.request.id)).not.toBeNull();
    // The 30-day window in ms does not overflow (PostgreSQL INTEGER) and ends in its time.
    expect(await s.retention.pruneInboundRequests(cutoff, T0 + 30 * 86400_000, 10)).toBe(1);
    // A cutoff in the past touches nothing, however old received_at is.
    await receive(s, hourly, endpoint.id, T0, null).outcome;
    expect(await s.retention.pruneInboundRequests(Date.now() - 3600_000, T0 + 86400_000 * 365, 10)).toBe(0);
  });
}
