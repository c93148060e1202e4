// Replay: a dry run counts the selection, the task re-sends exactly the selected messages at
// its rate with progress visible through /background-task, and re-enabling an endpoint can
// replay what it missed while disabled.
import { afterAll, beforeAll, expect, it } from "vitest";
import { startReceiver, type Receiver } from "./helpers/receiver.js";
import { startTestServer, type TestServer } from "./helpers/server.js";
import { waitFor } from "./helpers/wait.js";

let server: TestServer;
let receiver: Receiver;

beforeAll(async () => {
  receiver = await startReceiver();
  // Two attempts, quickly: failed deliveries are final within a second.
  server = await startTestServer({ retrySchedule: [0.1] });
});

afterAll(async () => {
  await server.stop();
  await receiver.close();
});

const payloadsAt = (path: string) => receiver.forPath(path).map((r) => JSON.parse(r.body) as { n: number });

it("counts first (dry run), then re-sends exactly the selection at its rate, with progress", async () => {
  let up = false;
  receiver.on("/flaky", () => (up ? { status: 200 } : { status: 500 }));
  const app = await server.svix.application.create({ name: "Replay" });
  const flaky = await server.svix.endpoint.create(app.id, { url: receiver.url("/flaky") });
  await server.svix.endpoint.create(app.id, { url: receiver.url("/steady") });
  const since = new Date(Date.now() - 1000).toISOString();
  for (let n = 0; n < 10; n++) await server.svix.message.create(app.id, { eventType: "invoice.paid", payload: { n } });
  for (let n = 10; n < 15; n++) await server.svix.message.create(app.id, { eventType: "user.created", payload: { n } });

  // Everything failed at /flaky (two attempts each) and succeeded at /steady.
  await waitFor(() => receiver.forPath("/flaky").length === 30 && receiver.forPath("/steady").length === 15, {
    what: "all first rounds",
  });
  await waitFor(
    async () => {
      const stats = (await server.api("GET", `/api/v1/app/${app.id}/endpoint/${flaky.id}/stats`)).body;
      return stats.fail === 15;
    },
    { what: "every delivery to /flaky to be final" },
  );

  const base = `/api/v1/app/${app.id}`;
  const failedInvoices = { since, eventTypes: ["invoice.paid"], status: 2 };
  expect(
    (await server.api("POST", `${base}/endpoint/${flaky.id}/replay`, { ...failedInvoices, dryRun: true })).body,
  ).toEqual({
    count: 10,
    dryRun: true,
  });
  // Application-wide: the failed ones are all at /flaky; every state counts both endpoints.
  expect((await server.api("POST", `${base}/replay`, { since, status: 2, dryRun: true })).body.count).toBe(15);
  expect((await server.api("POST", `${base}/replay`, { since, dryRun: true })).body.count).toBe(30);
  // Bad input is refused with the field named.
  const bad = await server.api("POST", `${base}/replay`, { since, until: since });
  expect(bad.status).toBe(422);
  expect(bad.body.detail[0].loc).toEqual(["body", "until"]);

  up = true;
  const seenBefore = receiver.forPath("/flaky").length;
  const started = await server.api("POST", `${base}/endpoint/${flaky.id}/replay`, { ...failedInvoices, rate: 5 });
  expect(started.status).toBe(202);
  expect(started.body).toMatchObject({ status: "running", task: "endpoint.replay", data: { total: 10, done: 0 } });

  // Five a second: the first batch goes at once, the second a second later.
  const progress: number[] = [];
  const finished = await waitFor(
    async () => {
      const task = (await server.api("GET", `/api/v1/background-task/${started.body.id}`)).body;
      progress.push(task.data.done);
      return task.status === "finished" ? task : null;
    },
    { what: "the replay task to finish", timeoutMs: 15000, intervalMs: 50 },
  );
  expect(finished.data).toMatchObject({ total: 10, done: 10 });
  expect(progress.some((done) => done > 0 && done < 10)).toBe(true);

  await waitFor(() => receiver.forPath("/flaky").length === seenBefore + 10, { what: "the replayed deliveries" });
  const replayed = payloadsAt("/flaky")
    .slice(seenBefore)
    .map((p) => p.n);
  expect(replayed.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  // Nothing beyond the selection: /steady got nothing new, user.created was not re-sent.
  expect(receiver.forPath("/steady")).toHaveLength(15);

  const tasks = (await server.api("GET", `/api/v1/background-task?app_id=${app.id}`)).body;
  expect(tasks.data.map((t: { id: string }) => t.id)).toContain(started.body.id);
});

it("re-enabling an endpoint replays what it missed; tasks are scoped to their application", async () => {
  const app = await server.svix.application.create({ name: "Missed" });
  const endpoint = await server.svix.endpoint.create(app.id, { url: receiver.url("/was-off") });
  await server.svix.endpoint.patch(app.id, endpoint.id, { disabled: true });
  for (let n = 0; n < 3; n++) await server.svix.message.create(app.id, { eventType: "e", payload: { n } });

  const enabled = await server.api("POST", `/api/v1/app/${app.id}/endpoint/${endpoint.id}/enable`, {
    replayMissed: true,
  });
  expect(enabled.status).toBe(200);
  expect(enabled.body.endpoint.disabled).toBe(false);
  expect(enabled.body.task).toMatchObject({ task: "endpoint.replay", data: { total: 3 } });
  await waitFor(() => receiver.forPath("/was-off").length === 3, { what: "the missed messages" });
  // A task done in one batch still reports its full progress.
  const done = await waitFor(
    async () => {
      const task = (await server.api("GET", `/api/v1/background-task/${enabled.body.task.id}`)).body;
      return task.status === "finished" ? task : null;
    },
    { what: "the task to finish" },
  );
  expect(done.data).toMatchObject({ total: 3, done: 3 });
  expect(
    payloadsAt("/was-off")
      .map((p) => p.n)
      .sort(),
  ).toEqual([0, 1, 2]);

  // Another application's token cannot see the task.
  const other = await server.svix.application.create({ name: "Other" });
  const access = await server.api("POST", `/api/v1/auth/app-portal-access/${other.id}`, {});
  const peek = await server.api("GET", `/api/v1/background-task/${enabled.body.task.id}`, undefined, {
    token: access.body.token,
  });
  expect(peek.status).toBe(404);
  const own = await server.api("POST", `/api/v1/auth/app-portal-access/${app.id}`, {});
  const mine = await server.api("GET", `/api/v1/background-task/${enabled.body.task.id}`, undefined, {
    token: own.body.token,
  });
  expect(mine.status).toBe(200);
});
