// Conformance: rate limits hand out send slots one interval apart, shared by every claim, and
// leave the rest waiting in the queue without spending attempts.
import { expect } from "vitest";
import { appWithEndpoint, makeApp, makeEndpoint, publish, T0 } from "../fixtures.js";
import { claimAll } from "./records.js";
import { conformance, type CaseContext } from "./context.js";

export function rateLimitCases(t: CaseContext): void {
  conformance(t, "rate limits: slots one interval apart, a second ahead at most, shared by all claims", async () => {
    const s = t.storage();
    const { app, endpoint: limited } = await appWithEndpoint(s, { rateLimit: 5 });
    const free = makeEndpoint(app.id);
    await s.endpoints.create(free);
    for (let i = 0; i < 20; i++) await publish(s, app.id, [limited.id, free.id]);

    const first = await s.deliveries.claimDue(claimAll("a", T0));
    const slots = first.filter((c) => c.delivery.endpointId === limited.id).map((c) => c.sendAt - T0);
    expect(slots).toEqual([0, 200, 400, 600, 800, 1000]);
    expect(first.filter((c) => c.delivery.endpointId === free.id)).toHaveLength(20);
    expect(first.filter((c) => c.delivery.endpointId === free.id).every((c) => c.sendAt === T0)).toBe(true);

    // Another worker at the same moment gets nothing: the slots are taken, the rest wait.
    const other = await t.another();
    expect(await other.deliveries.claimDue(claimAll("b", T0))).toEqual([]);
    const stats = await s.deliveries.stats(limited.id, {}, T0);
    expect(stats.pending + stats.sending).toBe(20);

    // A second later the next second's slots go out, in order, with no attempt spent.
    const next = await other.deliveries.claimDue(claimAll("b", T0 + 1000));
    expect(next.map((c) => c.sendAt - T0)).toEqual([1200, 1400, 1600, 1800, 2000]);
    expect(next.every((c) => c.delivery.attemptCount === 0)).toBe(true);
  });

  conformance(t, "rate limits: an application's limit applies to endpoints without their own", async () => {
    const s = t.storage();
    const app = makeApp({ rateLimit: 2 });
    await s.applications.create(app);
    const endpoint = makeEndpoint(app.id);
    await s.endpoints.create(endpoint);
    for (let i = 0; i < 10; i++) await publish(s, app.id, [endpoint.id]);
    const claimed = await s.deliveries.claimDue(claimAll("a", T0));
    expect(claimed.map((c) => c.sendAt - T0)).toEqual([0, 500, 1000]);
  });
}
