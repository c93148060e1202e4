// Conformance: endpoint verification and raw message bodies. An unverified endpoint's
// deliveries are held (never claimed, not counted as backlog) until verification releases
// them; a retry of a delivery in flight when the endpoint became unverified is held too.
import { expect } from "vitest";
import { MessageStatus } from "../../../src/domain/model.js";
import type { Storage } from "../../../src/storage/contract.js";
import { newId } from "../../../src/lib/ids.js";
import { appWithEndpoint, makeApp, makeAttempt, makeMessage, publish, T0 } from "../fixtures.js";
import { claimAll } from "./records.js";
import { conformance, type CaseContext } from "./context.js";

const PENDING = { challenge: "challenge-1", lastError: null };

async function publishHeld(s: Storage, appId: string, endpointId: string) {
  const message = makeMessage(appId);
  const delivery = { id: newId("delivery"), endpointId, held: true };
  await s.messages.create(message, [delivery], T0);
  return delivery.id;
}

export function verificationCases(t: CaseContext): void {
  conformance(t, "the verification flag, a pending verification and a raw body's content type round-trip", async () => {
    const s = t.storage();
    const app = makeApp({ endpointVerification: true });
    await s.applications.create(app);
    expect((await s.applications.get(app.id))?.endpointVerification).toBe(true);
    await s.applications.update({ ...app, endpointVerification: false });
    expect((await s.applications.get(app.id))?.endpointVerification).toBe(false);

    const { endpoint } = await appWithEndpoint(s, { verification: { challenge: "c", lastError: "answered 404" } });
    expect((await s.endpoints.get(endpoint.appId, endpoint.id))?.verification).toEqual({
      challenge: "c",
      lastError: "answered 404",
    });

    const raw = '<?xml version="1.0"?><note>  é  </note>';
    const { message } = await publish(s, endpoint.appId, [], T0, { payload: raw, contentType: "application/xml" });
    expect(await s.messages.get(endpoint.appId, message.id)).toMatchObject({
      payload: raw,
      contentType: "application/xml",
    });
  });

  conformance(t, "held deliveries are not claimed; only the current challenge's success releases them", async () => {
    const s = t.storage();
    const { app, endpoint } = await appWithEndpoint(s, { verification: PENDING });
    const id = await publishHeld(s, app.id, endpoint.id);
    expect(await s.deliveries.claimDue(claimAll("w1", T0 + 60_000))).toEqual([]);
    expect((await s.deliveries.backlog(T0 + 60_000)).due).toBe(0);

    expect(await s.endpoints.recordVerification(app.id, endpoint.id, "stale-challenge", null, T0)).toBe(false);
    expect(await s.endpoints.recordVerification(app.id, endpoint.id, PENDING.challenge, "no echo", T0)).toBe(true);
    expect((await s.endpoints.get(app.id, endpoint.id))?.verification).toEqual({ ...PENDING, lastError: "no echo" });
    expect(await s.deliveries.claimDue(claimAll("w1", T0 + 60_000))).toEqual([]);

    expect(await s.endpoints.recordVerification(app.id, endpoint.id, PENDING.challenge, null, T0 + 1000)).toBe(true);
    expect((await s.endpoints.get(app.id, endpoint.id))?.verification).toBeNull();
    const claimed = await s.deliveries.claimDue(claimAll("w1", T0 + 1000));
    expect(claimed.map((c) => c.delivery.id)).toEqual([id]);
    expect(claimed[0]!.delivery.attemptCount).toBe(0);
  });

  conformance(
    t,
    "an endpoint stored unverified holds its waiting deliveries and the retry of one in flight",
    async () => {
      const s = t.storage();
      const { app, endpoint } = await appWithEndpoint(s);
      const inFlight = await publish(s, app.id, [endpoint.id], T0 - 1000);
      const waiting = await publish(s, app.id, [endpoint.id], T0 + 500);
      const [claimed] = await s.deliveries.claimDue(claimAll("w1", T0, { limit: 1 }));
      expect(claimed!.delivery.id).toBe(inFlight.deliveryIds[0]);

      await s.endpoints.update({ ...endpoint, url: "https://example.com/moved", verification: PENDING, updatedAt: T0 });
      await s.deliveries.complete(
        [
          {
            deliveryId: claimed!.delivery.id,
            leaseOwner: "w1",
            attempt: makeAttempt(claimed!.message, endpoint.id, { status: MessageStatus.fail }),
            completion: { kind: "retry", nextAttemptAt: T0 + 1000 },
          },
        ],
        T0 + 100,
      );
      expect(await s.deliveries.claimDue(claimAll("w2", T0 + 60_000))).toEqual([]);

      await s.endpoints.recordVerification(app.id, endpoint.id, PENDING.challenge, null, T0 + 2000);
      const released = await s.deliveries.claimDue(claimAll("w2", T0 + 2000));
      expect(released.map((c) => c.delivery.id).sort()).toEqual(
        [inFlight.deliveryIds[0], waiting.deliveryIds[0]].sort(),
      );
      expect(released.every((c) => c.endpoint?.url === "https://example.com/moved")).toBe(true);
    },
  );
}
