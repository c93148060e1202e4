// Replay a range from the dashboard: a dry run counts first, then the task runs to the end
// (POST /api/v1/app/{app_id}/endpoint/{endpoint_id}/replay, GET /api/v1/background-task/{id}).
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, signIn } from "../helpers/browser.js";
import { startReceiver, type Receiver } from "../helpers/receiver.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { waitFor } from "../helpers/wait.js";

const UI_TIMEOUT = { timeout: 20_000 };

describe("replay from the dashboard", () => {
  let server: TestServer;
  let receiver: Receiver;
  let browser: Browser;

  beforeAll(async () => {
    [server, receiver, browser] = await Promise.all([startTestServer(), startReceiver(), launchBrowser()]);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await receiver?.close();
  });

  it("counts the range with a dry run before replaying it", async () => {
    const app = await server.svix.application.create({ name: "Replay Co" });
    receiver.on("/down", () => ({ status: 500 }));
    const endpoint = await server.svix.endpoint.create(app.id, { url: receiver.url("/down"), uid: "down" });
    const since = new Date(Date.now() - 60_000);
    for (let i = 0; i < 3; i++) {
      await server.svix.message.create(app.id, { eventType: "order.created", payload: { i } });
    }
    // Three retries of 0.2 s in the test config: wait until every delivery has given up.
    await waitFor(
      async () => {
        const page = await server.api("GET", `/api/v1/app/${app.id}/endpoint/${endpoint.id}/msg?status=2`);
        return page.body.data.length === 3;
      },
      { timeoutMs: 30_000, what: "three failed deliveries" },
    );

    const page = await signIn(browser, server.url);
    await page.getByRole("heading", { name: "Overview" }).waitFor(UI_TIMEOUT);
    await page.goto(`${server.url}/#/app/${app.id}/replay`);
    await page.getByLabel("Endpoint").selectOption(endpoint.id);
    const local = new Date(since.getTime() - since.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
    await page.getByLabel("Since").fill(local);
    await page.getByLabel("Delivery status").selectOption("2");
    const before = receiver.forPath("/down").length;
    await page.getByRole("button", { name: "Count (dry run)" }).click();
    await expect(page.getByTestId("replay-count").textContent(UI_TIMEOUT)).resolves.toBe(
      "3 messages would be replayed.",
    );
    // A dry run sends nothing.
    expect(receiver.forPath("/down").length).toBe(before);

    await page.getByRole("button", { name: "Replay 3" }).click();
    await page
      .getByTestId("replay-task")
      .getByText(/finished, 3 of 3 done/)
      .waitFor({ timeout: 30_000 });
    await waitFor(() => receiver.forPath("/down").length >= before + 3, { timeoutMs: 30_000, what: "replayed sends" });
  });
});
