// Endpoint verification (opt-in per application): an endpoint must echo a signed challenge
// before it receives anything. Until then its messages wait without spending attempts; an
// endpoint that echoes gets them; a URL change verifies again.
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startReceiver, type Receiver, type Received } from "./helpers/receiver.js";
import { startTestServer, type TestServer } from "./helpers/server.js";
import { waitFor } from "./helpers/wait.js";

let server: TestServer;
let receiver: Receiver;

beforeAll(async () => {
  receiver = await startReceiver();
  server = await startTestServer();
});

afterAll(async () => {
  await server.stop();
  await receiver.close();
});

const isChallenge = (r: Received): boolean => r.body.includes('"endpoint.verification"');
const deliveriesTo = (path: string): Received[] => receiver.forPath(path).filter((r) => !isChallenge(r));
const challengesTo = (path: string): Received[] => receiver.forPath(path).filter(isChallenge);

/** Echoes the challenge as JSON, as bare text, or not at all. */
function answer(path: string, mode: "json" | "text" | "ignore"): void {
  receiver.on(path, (request) => {
    if (!isChallenge(request) || mode === "ignore") return { status: 200, body: "ok" };
    const { challenge } = JSON.parse(request.body) as { challenge: string };
    return mode === "json"
      ? { status: 200, body: JSON.stringify({ challenge }), headers: { "content-type": "application/json" } }
      : { status: 200, body: challenge };
  });
}

async function verifyingApp(name: string): Promise<string> {
  const created = await server.api("POST", "/api/v1/app", { name, endpointVerification: true });
  expect(created.status).toBe(201);
  expect(created.body.endpointVerification).toBe(true);
  return created.body.id as string;
}

it("an endpoint that does not echo the challenge gets nothing, and its messages spend no attempts", async () => {
  const appId = await verifyingApp("Unverified");
  answer("/silent", "ignore");
  const created = await server.api("POST", `/api/v1/app/${appId}/endpoint`, { url: receiver.url("/silent") });
  expect(created.status).toBe(201);
  expect(created.body).toMatchObject({ verified: false, verificationError: "the response did not echo the challenge" });

  // The challenge was signed like a delivery, with the endpoint's secret.
  const secret = (await server.api("GET", `/api/v1/app/${appId}/endpoint/${created.body.id}/secret`)).body.key;
  const [challenge] = challengesTo("/silent");
  expect(new Webhook(secret).verify(challenge!.body, challenge!.headers)).toMatchObject({
    type: "endpoint.verification",
  });

  const sent = await server.api("POST", `/api/v1/app/${appId}/msg`, { eventType: "held.event", payload: { n: 1 } });
  expect(sent.status).toBe(202);
  // A control endpoint in a plain application receives its message; by then the held one
  // would have had every chance (same worker, same poll).
  const control = await server.svix.application.create({ name: "Control" });
  await server.svix.endpoint.create(control.id, { url: receiver.url("/control") });
  await server.svix.message.create(control.id, { eventType: "held.event", payload: { n: 2 } });
  await waitFor(() => receiver.forPath("/control")[0], { what: "the control delivery" });

  expect(deliveriesTo("/silent")).toEqual([]);
  const destinations = await server.api("GET", `/api/v1/app/${appId}/msg/${sent.body.id}/endpoint`);
  expect(destinations.body.data[0]).toMatchObject({ statusText: "pending", nextAttempt: null });
  const attempts = await server.api("GET", `/api/v1/app/${appId}/attempt/msg/${sent.body.id}`);
  expect(attempts.body.data).toEqual([]);

  // Resending would bypass verification.
  const resend = await server.api(
    "POST",
    `/api/v1/app/${appId}/msg/${sent.body.id}/endpoint/${created.body.id}/resend`,
  );
  expect(resend.status).toBe(409);

  // The receiver learns to echo; a re-check releases the waiting message.
  answer("/silent", "text");
  const verified = await server.api("POST", `/api/v1/app/${appId}/endpoint/${created.body.id}/verify`);
  expect(verified.status).toBe(200);
  expect(verified.body).toMatchObject({ verified: true, verificationError: null });
  const delivered = await waitFor(() => deliveriesTo("/silent")[0], { what: "the released delivery" });
  expect(JSON.parse(delivered.body)).toEqual({ n: 1 });
});

it("an endpoint that echoes gets its messages; a URL change verifies again and holds messages meanwhile", async () => {
  const appId = await verifyingApp("Verified");
  answer("/echo", "json");
  const created = await server.api("POST", `/api/v1/app/${appId}/endpoint`, { url: receiver.url("/echo") });
  expect(created.body.verified).toBe(true);
  await server.api("POST", `/api/v1/app/${appId}/msg`, { eventType: "ok.event", payload: { n: 1 } });
  await waitFor(() => deliveriesTo("/echo")[0], { what: "a delivery to the verified endpoint" });

  // Moved to a URL that does not echo: unverified, and the next message waits.
  answer("/moved", "ignore");
  const moved = await server.api("PATCH", `/api/v1/app/${appId}/endpoint/${created.body.id}`, {
    url: receiver.url("/moved"),
  });
  expect(moved.body).toMatchObject({ verified: false });
  expect(challengesTo("/moved")).toHaveLength(1);
  const held = await server.api("POST", `/api/v1/app/${appId}/msg`, { eventType: "ok.event", payload: { n: 2 } });
  const listed = await server.api("GET", `/api/v1/app/${appId}/endpoint/${created.body.id}`);
  expect(listed.body.verified).toBe(false);

  // Another change of other fields keeps it unverified without a new challenge.
  await server.api("PATCH", `/api/v1/app/${appId}/endpoint/${created.body.id}`, { description: "renamed" });
  expect(challengesTo("/moved")).toHaveLength(1);
  expect(deliveriesTo("/moved")).toEqual([]);

  answer("/moved", "json");
  const rechecked = await server.api("POST", `/api/v1/app/${appId}/endpoint/${created.body.id}/verify`);
  expect(rechecked.body.verified).toBe(true);
  const released = await waitFor(() => deliveriesTo("/moved")[0], { what: "the held message at the new URL" });
  expect(released.headers["webhook-id"]).toBe(held.body.id);
  // Attempts of the held message: exactly the one that succeeded.
  const attempts = await waitFor(
    async () => {
      const listed = await server.api("GET", `/api/v1/app/${appId}/attempt/msg/${held.body.id}`);
      return listed.body.data.length > 0 ? listed.body.data : null;
    },
    { what: "the attempt to be recorded" },
  );
  expect(attempts.map((a: { statusText: string }) => a.statusText)).toEqual(["success"]);
});

it("applications without the setting deliver at once, and refuse nothing", async () => {
  const app = await server.api("POST", "/api/v1/app", { name: "Plain" });
  expect(app.body.endpointVerification).toBe(false);
  const created = await server.api("POST", `/api/v1/app/${app.body.id}/endpoint`, { url: receiver.url("/plain") });
  expect(created.body.verified).toBe(true);
  expect(challengesTo("/plain")).toEqual([]);
});
