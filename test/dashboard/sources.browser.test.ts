// Inbound sources in the operator dashboard: the source list, a source's received requests, one
// request as stored and its replay (GET /api/v1/source…, POST …/request/{id}/replay). Portal
// sessions see no Sources link and are refused by the API.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, signIn } from "../helpers/browser.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const UI_TIMEOUT = { timeout: 20_000 };
const SOURCE_SECRET = "source-bearer-secret-4711";

describe("sources in the dashboard", () => {
  let server: TestServer;
  let browser: Browser;
  let appId: string;
  let source: { id: string; ingestUrl: string };
  const received: { id: string; messageId: string }[] = [];

  async function send(deliveryId: string, payload: unknown) {
    const response = await fetch(`${server.url}/in/${source.id}`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${SOURCE_SECRET}`,
        "idempotency-key": deliveryId,
      },
      body: JSON.stringify(payload),
    });
    const body = (await response.json()) as { id: string; messageId: string; duplicate: boolean };
    expect(response.status, JSON.stringify(body)).toBe(200);
    expect(body.duplicate).toBe(false);
    received.push(body);
  }

  beforeAll(async () => {
    [server, browser] = await Promise.all([startTestServer(), launchBrowser()]);
    appId = (await server.svix.application.create({ name: "Inbound Co", uid: "inbound-co" })).id;
    const created = await server.api("POST", "/api/v1/source", {
      name: "Billing provider",
      uid: "billing-provider",
      appId,
      verification: { type: "bearer", secret: SOURCE_SECRET },
      deliveryIdHeader: "Idempotency-Key",
      eventType: { from: "json", path: "type", fallback: "inbound" },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    source = created.body;
    await send("delivery-one", { type: "invoice.paid", n: 1 });
    await send("delivery-two", { type: "invoice.voided", n: 2 });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("lists sources, a source's requests, and replays one request as a new message", async () => {
    const page = await signIn(browser, server.url);
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Sources" }).click();
    const row = page.getByTestId("sources").getByRole("row", { name: /Billing provider/ });
    await row.waitFor(UI_TIMEOUT);
    expect(await row.textContent()).toContain(`/in/${source.id}`);
    expect(await row.textContent()).toContain("bearer");

    await row.getByRole("link", { name: "Billing provider" }).click();
    const requests = page.getByTestId("source-requests");
    for (const r of received) await requests.getByRole("link", { name: r.id }).waitFor(UI_TIMEOUT);
    const first = requests.getByRole("row", { name: new RegExp(received[0]!.id) });
    expect(await first.textContent()).toContain("delivery-one");
    expect(await first.textContent()).toContain("invoice.paid");
    await first.getByRole("link", { name: received[0]!.messageId }).waitFor(UI_TIMEOUT);

    await requests.getByRole("link", { name: received[0]!.id }).click();
    await page.getByRole("heading", { name: `Request ${received[0]!.id}` }).waitFor(UI_TIMEOUT);
    await expect(page.getByTestId("request-body").textContent()).resolves.toBe(
      JSON.stringify({ type: "invoice.paid", n: 1 }),
    );
    const headers = page.getByTestId("request-headers");
    expect(await headers.getByRole("row", { name: /idempotency-key/ }).textContent()).toContain("delivery-one");
    // The sender's bearer secret is stored with the request but not put on screen.
    expect(await headers.getByRole("row", { name: /authorization/ }).textContent()).toContain("masked");
    expect(await page.content()).not.toContain(SOURCE_SECRET);

    await page.getByRole("button", { name: "Replay" }).click();
    const notice = page.getByTestId("source-replay");
    await notice.waitFor(UI_TIMEOUT);
    const replayedId = (await notice.getByRole("link").textContent())!;
    expect(replayedId).toMatch(/^msg_/);
    expect(replayedId).not.toBe(received[0]!.messageId);
    const message = await server.api("GET", `/api/v1/app/${appId}/msg/${replayedId}`);
    expect(message.status).toBe(200);
    expect(message.body).toMatchObject({ eventType: "invoice.paid", payload: { type: "invoice.paid", n: 1 } });

    // The notice links to the new message's page.
    await notice.getByRole("link").click();
    await page.getByRole("heading", { name: `Message ${replayedId}` }).waitFor(UI_TIMEOUT);
  });

  it("pages a source's requests with the API's iterator", async () => {
    const busy = await server.api("POST", "/api/v1/source", {
      name: "Busy sender",
      appId,
      verification: { type: "none" },
      deliveryIdHeader: "Idempotency-Key",
    });
    expect(busy.status, JSON.stringify(busy.body)).toBe(201);
    // One more than the page size of 25, so the oldest request is alone on the second page.
    for (let i = 0; i < 26; i++) {
      const response = await fetch(`${server.url}/in/${busy.body.id}`, {
        method: "POST",
        headers: { "idempotency-key": `busy-${i}` },
        body: `request ${i}`,
      });
      expect(response.status).toBe(200);
    }
    const page = await signIn(browser, server.url);
    await page.getByRole("heading", { name: "Overview" }).waitFor(UI_TIMEOUT);
    await page.goto(`${server.url}/#/source/${busy.body.id}`);
    const requests = page.getByTestId("source-requests");
    await requests.getByRole("cell", { name: "busy-25", exact: true }).waitFor(UI_TIMEOUT);
    expect(await requests.getByRole("cell", { name: "busy-0", exact: true }).count()).toBe(0);

    await page.getByRole("navigation", { name: "Pages" }).getByRole("link", { name: "Next page" }).click();
    await requests.getByRole("cell", { name: "busy-0", exact: true }).waitFor(UI_TIMEOUT);
    expect(await requests.getByRole("cell", { name: /^busy-/ }).count()).toBe(1);
    await page.getByRole("navigation", { name: "Pages" }).getByRole("link", { name: "First page" }).click();
    await requests.getByRole("cell", { name: "busy-25", exact: true }).waitFor(UI_TIMEOUT);
  });

  it("shows no Sources link to a portal session, whose source calls are refused", async () => {
    const access = await server.api("POST", `/api/v1/auth/app-portal-access/${appId}`, {});
    expect(access.status).toBe(200);
    const page: Page = await (await browser.newContext()).newPage();
    await page.goto(access.body.url);
    await page.getByText(`Portal · ${appId}`).waitFor(UI_TIMEOUT);
    const nav = page.getByRole("navigation", { name: "Main" });
    await nav.getByRole("link", { name: "Messages" }).waitFor(UI_TIMEOUT);
    expect(await nav.getByRole("link", { name: "Sources" }).count()).toBe(0);

    for (const path of ["#/sources", `#/source/${source.id}`, `#/source/${source.id}/request/${received[0]!.id}`]) {
      await page.goto(`${server.url}/portal${path}`);
      const alert = page.getByRole("alert").first();
      await alert.waitFor(UI_TIMEOUT);
      expect(await alert.textContent()).toMatch(/^403: /);
      expect(await page.content()).not.toContain("Billing provider");
    }

    const replay = await page.evaluate(
      async ({ sourceId, requestId }) => {
        const session = (await fetch("/api/v1/dashboard/session").then((r) => r.json())) as { csrfToken: string };
        const response = await fetch(`/api/v1/source/${sourceId}/request/${requestId}/replay`, {
          method: "POST",
          headers: { "x-csrf-token": session.csrfToken },
        });
        return response.status;
      },
      { sourceId: source.id, requestId: received[0]!.id },
    );
    expect(replay).toBe(403);
  });
});
