// Conformance: list filters, paging order and iterators (next and previous pages).
import { expect } from "vitest";
import { MessageStatus } from "../../../src/domain/model.js";
import { newIdAt } from "../../../src/lib/ids.js";
import type { Page, PageQuery } from "../../../src/storage/contract.js";
import {
  appWithEndpoint,
  makeApp,
  makeEndpoint,
  makeEventType,
  makeAttempt,
  makeMessage,
  publish,
  T0,
} from "../fixtures.js";
import { claimAll } from "./records.js";
import { conformance, type CaseContext } from "./context.js";

/** Walks every page forwards, then back from the last page with prevIterator. */
async function walk<T>(list: (q: PageQuery) => Promise<Page<T>>, limit: number, key: (item: T) => string) {
  const forward: string[][] = [];
  let page = await list({ limit });
  forward.push(page.items.map(key));
  while (!page.done) {
    page = await list({ limit, iterator: page.iterator });
    forward.push(page.items.map(key));
  }
  const backward: string[][] = [];
  let prev = page.prevIterator;
  while (prev) {
    const back = await list({ limit, iterator: prev });
    if (back.items.length === 0) break;
    expect(back.done).toBe(false);
    backward.unshift(back.items.map(key));
    prev = back.prevIterator;
  }
  return { forward, backward };
}

export function listCases(t: CaseContext): void {
  conformance(t, "applications page ascending by default, descending on request, with prev pages", async () => {
    const s = t.storage();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const app = makeApp({ name: `app ${i}` });
      ids.push(app.id);
      await s.applications.create(app);
    }
    const { forward, backward } = await walk(
      (q) => s.applications.list(q),
      2,
      (a) => a.id,
    );
    expect(forward).toEqual([ids.slice(0, 2), ids.slice(2, 4), ids.slice(4)]);
    // From the last page, previous pages come back in the same order, page by page.
    expect(backward).toEqual([ids.slice(0, 2), ids.slice(2, 4)]);
    const desc = await s.applications.list({ limit: 3, order: "descending" });
    expect(desc.items.map((a) => a.id)).toEqual([...ids].reverse().slice(0, 3));
    expect(desc.done).toBe(false);
    const rest = await s.applications.list({ limit: 3, order: "descending", iterator: desc.iterator });
    expect(rest.items.map((a) => a.id)).toEqual([ids[1], ids[0]]);
    expect(rest.done).toBe(true);
  });

  conformance(t, "event types page by name in byte order", async () => {
    const s = t.storage();
    // Mixed case, digits and punctuation: a locale collation would order these differently.
    const names = ["B.created", "a.created", "a_b", "a.b", "Z", "1.x"];
    for (const name of names) await s.eventTypes.create(makeEventType({ name }));
    const sorted = [...names].sort();
    const { forward } = await walk(
      (q) => s.eventTypes.list({ ...q, includeArchived: true }),
      4,
      (e) => e.name,
    );
    expect(forward.flat()).toEqual(sorted);
  });

  conformance(t, "endpoints and messages page newest first; an empty page is done", async () => {
    const s = t.storage();
    const app = makeApp();
    await s.applications.create(app);
    const endpointIds: string[] = [];
    for (let i = 0; i < 3; i++) {
      const ep = makeEndpoint(app.id);
      endpointIds.push(ep.id);
      await s.endpoints.create(ep);
    }
    const { forward } = await walk(
      (q) => s.endpoints.list(app.id, q),
      2,
      (e) => e.id,
    );
    expect(forward).toEqual([[endpointIds[2], endpointIds[1]], [endpointIds[0]]]);
    const messageIds: string[] = [];
    for (let i = 0; i < 3; i++) messageIds.push((await publish(s, app.id, [endpointIds[0]!])).message.id);
    const messages = await walk(
      (q) => s.messages.list(app.id, q),
      2,
      (m) => m.id,
    );
    expect(messages.forward.flat()).toEqual([...messageIds].reverse());
    const empty = await s.messages.list(makeApp().id, { limit: 5 });
    expect(empty).toEqual({ items: [], iterator: null, prevIterator: null, done: true });
  });

  conformance(t, "messages of several event types page in id order, both ways, as one list", async () => {
    const s = t.storage();
    const { app, endpoint } = await appWithEndpoint(s);
    const types = ["a", "b", "c", "a", "a", "d", "c", "a", "c", "b", "c", "c", "a"];
    const ids: string[] = [];
    for (const [i, eventType] of types.entries()) {
      ids.push((await publish(s, app.id, [endpoint.id], T0, { eventType, createdAt: T0 + i })).message.id);
    }
    const wanted = ids.filter((_, i) => types[i] === "a" || types[i] === "c").reverse();
    // Named twice: each type once in the result.
    const filter = { eventTypes: ["c", "a", "c"] };
    for (const limit of [1, 3, 4, 20]) {
      const { forward, backward } = await walk(
        (q) => s.messages.list(app.id, { ...filter, ...q }),
        limit,
        (m) => m.id,
      );
      expect(forward.flat()).toEqual(wanted);
      expect(backward.flat()).toEqual(forward.slice(0, backward.length).flat());
    }
    const oldestFirst = await s.messages.list(app.id, { ...filter, limit: 3, order: "ascending" });
    expect(oldestFirst.items.map((m) => m.id)).toEqual([...wanted].reverse().slice(0, 3));
    const range = await s.messages.list(app.id, { ...filter, limit: 10, after: T0 + 3, before: T0 + 11 });
    expect(range.items.map((m) => m.id)).toEqual([ids[10], ids[8], ids[7], ids[6], ids[4]]);
  });

  conformance(t, "message filters: event types, channel (with LIKE metacharacters), time range", async () => {
    const s = t.storage();
    const { app, endpoint } = await appWithEndpoint(s);
    const a = await publish(s, app.id, [endpoint.id], T0, { eventType: "a", channels: ["eu_west"], createdAt: T0 });
    const b = await publish(s, app.id, [endpoint.id], T0, { eventType: "b", channels: ["100%"], createdAt: T0 + 10 });
    const c = await publish(s, app.id, [endpoint.id], T0, { eventType: "c", channels: null, createdAt: T0 + 20 });
    const ids = async (filter: object) =>
      (await s.messages.list(app.id, { limit: 10, ...filter })).items.map((m) => m.id);
    expect(await ids({ eventTypes: ["a", "c"] })).toEqual([c.message.id, a.message.id]);
    expect(await ids({ channel: "eu_west" })).toEqual([a.message.id]);
    expect(await ids({ channel: "euxwest" })).toEqual([]);
    expect(await ids({ channel: "100%" })).toEqual([b.message.id]);
    expect(await ids({ channel: "100" })).toEqual([]);
    expect(await ids({ after: T0, before: T0 + 20 })).toEqual([b.message.id]);
    expect(await ids({ after: T0 - 1, before: T0 + 21 })).toEqual([c.message.id, b.message.id, a.message.id]);
    // Stored before ids were minted at createdAt: the id's time a moment after it.
    const late = makeMessage(app.id, { id: newIdAt("message", T0 + 30 + 900), createdAt: T0 + 30 });
    await s.messages.create(late, [], T0);
    expect(await ids({ after: T0 + 29, before: T0 + 31 })).toEqual([late.id]);
    const rows = async (filter: object) =>
      (await s.deliveries.listForEndpoint(app.id, endpoint.id, { limit: 10, ...filter })).items.map(
        (r) => r.message.id,
      );
    expect(await rows({ after: T0, before: T0 + 20 })).toEqual([b.message.id]);
    expect(await rows({ after: T0 - 1, before: T0 + 21 })).toEqual([c.message.id, b.message.id, a.message.id]);
  });

  conformance(t, "attempt time filters hold however long after its createdAt an attempt's id was minted", async () => {
    const s = t.storage();
    const { app, endpoint } = await appWithEndpoint(s);
    const published = await Promise.all(
      [0, 1, 2].map((i) => publish(s, app.id, [endpoint.id], T0, { createdAt: T0 + i })),
    );
    const claimed = await s.deliveries.claimDue(claimAll("w", T0));
    // Ids are minted when the response has arrived: at once, or after a long slow request.
    const took = [0, 60_000, 0];
    const attempts = published.map(({ message }, i) =>
      makeAttempt(message, endpoint.id, { id: newIdAt("attempt", T0 + 10 * i + took[i]!), createdAt: T0 + 10 * i }),
    );
    await s.deliveries.complete(
      claimed.map((c) => ({
        deliveryId: c.delivery.id,
        leaseOwner: "w",
        attempt: attempts.find((a) => a.messageId === c.message.id)!,
        completion: { kind: "succeeded" as const },
      })),
      T0,
    );
    const ids = async (filter: object) =>
      new Set((await s.attempts.listForEndpoint(app.id, endpoint.id, { limit: 10, ...filter })).items.map((a) => a.id));
    expect(await ids({ after: T0 + 9, before: T0 + 11 })).toEqual(new Set([attempts[1]!.id]));
    expect(await ids({ after: T0 + 19 })).toEqual(new Set([attempts[2]!.id]));
    expect(await ids({ before: T0 + 11 })).toEqual(new Set([attempts[0]!.id, attempts[1]!.id]));
  });

  conformance(
    t,
    "attempt lists: by message and endpoint, filtered by status, code class, type, channel, time",
    async () => {
      const s = t.storage();
      const { app, endpoint } = await appWithEndpoint(s);
      const second = makeEndpoint(app.id);
      await s.endpoints.create(second);
      const m1 = await publish(s, app.id, [endpoint.id, second.id], T0, { eventType: "x", channels: ["eu"] });
      const m2 = await publish(s, app.id, [endpoint.id], T0, { eventType: "y" });
      const claimed = await s.deliveries.claimDue(claimAll("w", T0));
      // Minted in this order, so attempt ids (and so list order) are known.
      const ok = makeAttempt(m1.message, endpoint.id, { createdAt: T0 + 1 });
      const refused = makeAttempt(m1.message, second.id, {
        status: MessageStatus.fail,
        responseStatusCode: 0,
        response: "refused",
        createdAt: T0 + 2,
      });
      const unavailable = makeAttempt(m2.message, endpoint.id, {
        status: MessageStatus.fail,
        responseStatusCode: 503,
        createdAt: T0 + 3,
      });
      const byTarget = new Map([ok, refused, unavailable].map((a) => [`${a.messageId} ${a.endpointId}`, a]));
      const results = claimed.map((c) => ({
        deliveryId: c.delivery.id,
        leaseOwner: "w",
        attempt: byTarget.get(`${c.message.id} ${c.delivery.endpointId}`)!,
        completion: { kind: "failed" as const },
      }));
      expect(await s.deliveries.complete(results, T0)).toBe(3);
      expect(await s.attempts.get(app.id, m1.message.id, ok.id)).toEqual(ok);
      expect(await s.attempts.get(app.id, m2.message.id, ok.id)).toBeNull();
      const byMessage = async (filter: object) =>
        (await s.attempts.listForMessage(app.id, m1.message.id, { limit: 10, ...filter })).items.map((a) => a.id);
      const byEndpoint = async (filter: object) =>
        (await s.attempts.listForEndpoint(app.id, endpoint.id, { limit: 10, ...filter })).items.map((a) => a.id);
      expect(new Set(await byMessage({}))).toEqual(new Set([ok.id, refused.id]));
      expect(await byMessage({ status: MessageStatus.fail })).toEqual([refused.id]);
      expect(await byMessage({ statusCodeClass: 0 })).toEqual([refused.id]);
      expect(await byMessage({ statusCodeClass: 200 })).toEqual([ok.id]);
      expect(await byMessage({ endpointId: second.id })).toEqual([refused.id]);
      expect(await byEndpoint({})).toEqual([unavailable.id, ok.id]);
      expect(await byEndpoint({ statusCodeClass: 500 })).toEqual([unavailable.id]);
      expect(await byEndpoint({ eventTypes: ["x"] })).toEqual([ok.id]);
      expect(await byEndpoint({ channel: "eu" })).toEqual([ok.id]);
      expect(await byEndpoint({ after: T0 + 1 })).toEqual([unavailable.id]);
      expect(await byEndpoint({ order: "ascending" })).toEqual([ok.id, unavailable.id]);
      await s.attempts.expungeResponse(app.id, m2.message.id, unavailable.id);
      expect((await s.attempts.get(app.id, m2.message.id, unavailable.id))!.response).toBe("");
    },
  );

  conformance(t, "delivery lists: destinations of a message, messages of an endpoint with status filter", async () => {
    const s = t.storage();
    const { app, endpoint } = await appWithEndpoint(s);
    const second = makeEndpoint(app.id);
    await s.endpoints.create(second);
    const m1 = await publish(s, app.id, [endpoint.id, second.id], T0, { eventType: "x" });
    const m2 = await publish(s, app.id, [endpoint.id], Date.now() + 60_000, { eventType: "y" });
    const destinations = await s.deliveries.listForMessage(app.id, m1.message.id, { limit: 10 });
    expect(destinations.items.map((row) => row.endpoint.id)).toEqual([endpoint.id, second.id].sort());
    expect(destinations.items.every((row) => row.delivery.status === MessageStatus.pending)).toBe(true);
    const rows = await s.deliveries.listForEndpoint(app.id, endpoint.id, { limit: 10 });
    expect(rows.items.map((row) => row.message.id)).toEqual([m2.message.id, m1.message.id]);
    // A delivery leased right now reads as "sending"; the filter for sending finds pending rows.
    await s.deliveries.claimDue(claimAll("w", Date.now(), { leaseMs: 60_000 }));
    const leased = await s.deliveries.listForEndpoint(app.id, endpoint.id, { limit: 10, eventTypes: ["x"] });
    expect(leased.items.map((row) => row.delivery.status)).toEqual([MessageStatus.sending]);
    const pending = await s.deliveries.listForEndpoint(app.id, endpoint.id, {
      limit: 10,
      status: MessageStatus.sending,
    });
    expect(pending.items).toHaveLength(2);
    const failed = await s.deliveries.listForEndpoint(app.id, endpoint.id, { limit: 10, status: MessageStatus.fail });
    expect(failed.items).toEqual([]);
  });
}
