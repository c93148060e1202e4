// The operator dashboard in a real browser (Debian Chromium): sign in, live tail, a message's
// attempts, resend, disable an endpoint; the session cookie's attributes and its CSRF check.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, signIn } from "../helpers/browser.js";
import { startReceiver, type Receiver } from "../helpers/receiver.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { waitFor } from "../helpers/wait.js";

const UI_TIMEOUT = { timeout: 20_000 };

describe("operator dashboard", () => {
  let server: TestServer;
  let receiver: Receiver;
  let browser: Browser;
  let page: Page;
  let appId: string;
  let endpointId: string;

  beforeAll(async () => {
    [server, receiver, browser] = await Promise.all([startTestServer(), startReceiver(), launchBrowser()]);
    const app = await server.svix.application.create({ name: "Acme", uid: "acme" });
    appId = app.id;
    const endpoint = await server.svix.endpoint.create(appId, {
      url: receiver.url("/hook"),
      uid: "acme-hook",
      headers: { authorization: "Bearer receiver-secret-value", "x-team": "billing" },
    });
    endpointId = endpoint.id;
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await receiver?.close();
  });

  it("signs in with the admin token and sets an HttpOnly, SameSite=Strict session cookie", async () => {
    page = await signIn(browser, server.url);
    await expect(page.getByRole("heading", { name: "Overview" }).waitFor(UI_TIMEOUT)).resolves.toBeUndefined();
    const cookies = await page.context().cookies();
    const session = cookies.find((c) => c.name === "hooklane_session");
    expect(session).toMatchObject({ httpOnly: true, sameSite: "Strict", path: "/" });
    // The cookie carries no token: neither the admin token nor anything readable by scripts.
    expect(session!.value).not.toContain(server.token);
    expect(await page.evaluate("document.cookie")).toBe("");
  });

  it("shows a new delivery in the live tail without reloading", async () => {
    await page.getByRole("link", { name: "Live tail" }).click();
    await page.getByText("Connected: new attempts appear here.").waitFor(UI_TIMEOUT);
    const message = await server.svix.message.create(appId, {
      eventType: "invoice.paid",
      payload: { invoice: 42, amount: "12.50" },
      eventId: "evt-tail-1",
    });
    const row = page.getByTestId("tail").getByRole("row").filter({ hasText: message.id });
    await row.waitFor(UI_TIMEOUT);
    expect(await row.textContent()).toContain("invoice.paid");
    expect(await row.textContent()).toContain("success");
  });

  it("lists messages, filters by eventId and opens a message with its attempts and masked headers", async () => {
    await page.getByRole("link", { name: "Applications" }).click();
    await page.getByRole("link", { name: "Acme" }).click();
    await page.getByRole("link", { name: "Messages" }).click();
    await page.getByLabel("Id or eventId").fill("evt-tail-1");
    await page.getByRole("button", { name: "Search" }).click();
    const rows = page.getByTestId("messages").locator("tbody tr");
    await waitFor(
      async () => (await rows.count()) === 1 && (await rows.first().textContent())?.includes("evt-tail-1"),
      {
        timeoutMs: 20_000,
        what: "the filtered message list",
      },
    );
    await rows.first().getByRole("link").click();

    await expect(page.getByTestId("payload").textContent(UI_TIMEOUT)).resolves.toContain('"invoice": 42');
    const attempt = page.getByTestId("attempt").first();
    await attempt.waitFor(UI_TIMEOUT);
    expect(await attempt.textContent()).toContain("200");
    await attempt.getByText(/^Request to /).click();
    const headers = attempt.locator("table.headers");
    await headers.getByText("billing").waitFor(UI_TIMEOUT);
    const headerText = await headers.textContent();
    expect(headerText).toContain("authorization");
    expect(headerText).not.toContain("receiver-secret-value");
    expect(headerText).toContain("(masked)");
    await page.screenshot({ path: "docs/screenshots/message-detail.png", fullPage: true });
  });

  it("resends an attempt from the message page", async () => {
    const before = receiver.forPath("/hook").length;
    await page.getByTestId("attempt").first().getByRole("button", { name: "Resend" }).click();
    await page.getByText(/Resend to .* queued/).waitFor(UI_TIMEOUT);
    await waitFor(() => receiver.forPath("/hook").length === before + 1, {
      timeoutMs: 20_000,
      what: "the resent request",
    });
    await page.reload();
    await waitFor(async () => (await page.getByTestId("attempt").count()) === 2, {
      timeoutMs: 20_000,
      what: "two attempts listed",
    });
  });

  it("disables an endpoint from its page", async () => {
    page.once("dialog", (dialog) => void dialog.accept());
    await page.goto(`${server.url}/#/app/${appId}/endpoint/${endpointId}`);
    await page.getByText("Success rate").waitFor(UI_TIMEOUT);
    await page.getByRole("button", { name: "Disable endpoint" }).click();
    await page.getByText("Endpoint disabled.").waitFor(UI_TIMEOUT);
    const stored = await server.api("GET", `/api/v1/app/${appId}/endpoint/${endpointId}`);
    expect(stored.body.disabled).toBe(true);
    await page.getByRole("button", { name: "Enable endpoint" }).waitFor(UI_TIMEOUT);
  });

  it("shows the overview with the delivery chart, backlog and disabled endpoints", async () => {
    await page.getByRole("link", { name: "Overview" }).click();
    await page.getByRole("img", { name: /Last hour, attempts per minute\. Succeeded: 2/ }).waitFor(UI_TIMEOUT);
    await page.getByRole("link", { name: "acme-hook" }).waitFor(UI_TIMEOUT);
    expect(await page.getByTestId("backlog").textContent()).toBe("0");
    await page.screenshot({ path: "docs/screenshots/overview.png", fullPage: true });
  });

  it("refuses a state-changing request that has the cookie but not the CSRF token", async () => {
    const outcome = await page.evaluate(async () => {
      const post = (headers: Record<string, string>) =>
        fetch("/api/v1/app", {
          method: "POST",
          headers: { "content-type": "application/json", ...headers },
          body: JSON.stringify({ name: "Made from the page" }),
        }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));
      const withoutToken = await post({});
      const session = (await fetch("/api/v1/dashboard/session").then((r) => r.json())) as any;
      const withWrongToken = await post({ "x-csrf-token": "not-the-token" });
      const withToken = await post({ "x-csrf-token": session.csrfToken });
      return { withoutToken, withWrongToken, withToken };
    });
    expect(outcome.withoutToken.status).toBe(403);
    expect(outcome.withoutToken.body.detail).toMatch(/x-csrf-token/);
    expect(outcome.withWrongToken.status).toBe(403);
    expect(outcome.withToken.status).toBe(201);
    // Only the request that presented the token created anything.
    const apps = await server.api("GET", "/api/v1/app?limit=50");
    expect(apps.body.data.filter((a: any) => a.name === "Made from the page")).toHaveLength(1);
  });

  it("refuses a wrong token and a forged cookie", async () => {
    const wrong = await signIn(browser, server.url, "hk_admin_not-a-real-token");
    await wrong.getByRole("alert").getByText(/401/).waitFor(UI_TIMEOUT);
    expect(await wrong.context().cookies()).toEqual([]);
    await wrong.context().addCookies([
      {
        name: "hooklane_session",
        value: "eyJoIjoiMDAiLCJjc3JmIjoieCIsImV4cCI6OTk5OTk5OTk5OTk5OX0.forged",
        url: server.url,
      },
    ]);
    const status = await wrong.evaluate(() => fetch("/api/v1/app").then((r) => r.status));
    expect(status).toBe(401);
    await wrong.context().close();
  });

  it("signs out: the cookie no longer authenticates", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByLabel("Admin token").waitFor(UI_TIMEOUT);
    const status = await page.evaluate(() => fetch("/api/v1/app").then((r) => r.status));
    expect(status).toBe(401);
  });
});
