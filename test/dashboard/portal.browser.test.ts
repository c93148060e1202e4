// The consumer portal: a magic link from app-portal-access opens the dashboard scoped to one
// application; that session is refused (403/404) for any other application's pages and API.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser } from "../helpers/browser.js";
import { startReceiver, type Receiver } from "../helpers/receiver.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { waitFor } from "../helpers/wait.js";

const UI_TIMEOUT = { timeout: 20_000 };

describe("consumer portal", () => {
  let server: TestServer;
  let receiver: Receiver;
  let browser: Browser;
  let page: Page;
  let own: { appId: string; endpointId: string; msgId: string };
  let other: { appId: string; endpointId: string; msgId: string };

  async function seed(name: string, uid: string) {
    const app = await server.svix.application.create({ name, uid });
    const endpoint = await server.svix.endpoint.create(app.id, { url: receiver.url(`/${uid}`), uid: `${uid}-hook` });
    const message = await server.svix.message.create(app.id, { eventType: "order.created", payload: { owner: uid } });
    return { appId: app.id, endpointId: endpoint.id, msgId: message.id };
  }

  beforeAll(async () => {
    [server, receiver, browser] = await Promise.all([startTestServer(), startReceiver(), launchBrowser()]);
    own = await seed("Own Co", "own-co");
    other = await seed("Other Co", "other-co");
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await receiver?.close();
  });

  it("opens the portal from the magic link and drops the token from the address bar", async () => {
    const access = await server.api("POST", `/api/v1/auth/app-portal-access/${own.appId}`, {});
    expect(access.status).toBe(200);
    expect(access.body.url).toBe(`${server.url}/portal#token=${encodeURIComponent(access.body.token)}`);
    const context = await browser.newContext();
    page = await context.newPage();
    await page.goto(access.body.url);
    await page.getByText(`Portal · ${own.appId}`).waitFor(UI_TIMEOUT);
    expect(page.url()).not.toContain(access.body.token);
    const session = (await context.cookies()).find((c) => c.name === "hooklane_session");
    expect(session).toMatchObject({ httpOnly: true, sameSite: "Strict" });
    // No operator navigation in the portal.
    expect(await page.getByRole("link", { name: "Applications" }).count()).toBe(0);
  });

  it("shows its own endpoints and messages", async () => {
    await page.getByRole("link", { name: "Endpoints" }).click();
    await page.getByRole("link", { name: "own-co-hook" }).waitFor(UI_TIMEOUT);
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Messages" }).click();
    await page.getByRole("link", { name: own.msgId }).waitFor(UI_TIMEOUT);
    expect(await page.getByRole("link", { name: other.msgId }).count()).toBe(0);
  });

  it("gets 403 or 404 for another application's pages", async () => {
    for (const path of [
      `#/app/${other.appId}`,
      `#/app/${other.appId}/messages`,
      `#/app/${other.appId}/msg/${other.msgId}`,
      `#/app/${other.appId}/endpoint/${other.endpointId}`,
    ]) {
      await page.goto(`${server.url}/portal${path}`);
      const alert = page.getByRole("alert").first();
      await alert.waitFor(UI_TIMEOUT);
      expect(await alert.textContent()).toMatch(/^(403|404): /);
      expect(await page.content()).not.toContain("other-co-hook");
    }
  });

  it("gets 403 or 404 for another application's API calls, even with the CSRF token", async () => {
    const results = await page.evaluate(
      async ({ otherApp, otherEndpoint, otherMsg }) => {
        const session = (await fetch("/api/v1/dashboard/session").then((r) => r.json())) as any;
        const call = (method: string, path: string, body?: unknown) =>
          fetch(`/api/v1${path}`, {
            method,
            headers: { "content-type": "application/json", "x-csrf-token": session.csrfToken },
            body: body === undefined ? undefined : JSON.stringify(body),
          }).then((r) => r.status);
        return {
          session,
          listApps: await call("GET", "/app"),
          otherApp: await call("GET", `/app/${otherApp}`),
          otherMessages: await call("GET", `/app/${otherApp}/msg`),
          otherMessage: await call("GET", `/app/${otherApp}/msg/${otherMsg}`),
          otherAttempts: await call("GET", `/app/${otherApp}/attempt/endpoint/${otherEndpoint}`),
          disableOther: await call("PATCH", `/app/${otherApp}/endpoint/${otherEndpoint}`, { disabled: true }),
          otherOverview: await call("GET", `/dashboard/overview?app_id=${otherApp}`),
          otherTail: await call("GET", `/dashboard/tail?app_id=${otherApp}`),
          portalAccess: await call("POST", `/auth/app-portal-access/${otherApp}`, {}),
        };
      },
      { otherApp: other.appId, otherEndpoint: other.endpointId, otherMsg: other.msgId },
    );
    expect(results.session).toMatchObject({ kind: "app", appId: own.appId });
    const { session: _session, ...statuses } = results;
    for (const [call, status] of Object.entries(statuses)) {
      expect([403, 404], `${call} answered ${status}`).toContain(status);
    }
    const endpoint = await server.api("GET", `/api/v1/app/${other.appId}/endpoint/${other.endpointId}`);
    expect(endpoint.body.disabled).toBe(false);
  });

  it("a revoked portal token ends its session", async () => {
    // Logging out through the API deletes the portal token; the cookie made from it stops working
    // (after the authenticator's few-second cache of verified tokens, hence the wait).
    await page.evaluate(async () => {
      const session = (await fetch("/api/v1/dashboard/session").then((r) => r.json())) as any;
      await fetch("/api/v1/auth/logout", { method: "POST", headers: { "x-csrf-token": session.csrfToken } });
    });
    await waitFor(
      async () => (await page.evaluate(() => fetch("/api/v1/dashboard/session").then((r) => r.status))) === 401,
      {
        timeoutMs: 20_000,
        intervalMs: 250,
        what: "the session to be refused",
      },
    );
  });

  it("refuses a wrong portal token", async () => {
    const context = await browser.newContext();
    const wrong = await context.newPage();
    await wrong.goto(`${server.url}/portal#token=hk_app_wrong`);
    await wrong.getByRole("alert").getByText(/401/).waitFor(UI_TIMEOUT);
    await wrong.getByLabel("Admin token").waitFor(UI_TIMEOUT);
    expect(await context.cookies()).toEqual([]);
    await context.close();
  });
});
