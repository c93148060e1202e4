// Debian's Chromium driven by playwright-core (no browser download). Each launch gets a fresh
// temporary profile; every network feature that would reach past loopback is switched off.
import { chromium, type Browser, type Page } from "playwright-core";
import { ADMIN_TOKEN } from "./server.js";

export const CHROMIUM_PATH = process.env.HOOKLANE_CHROMIUM ?? "/usr/bin/chromium";

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** Opens the dashboard in a fresh context (its own cookie jar) and signs in with `token`. */
export async function signIn(browser: Browser, baseUrl: string, token = ADMIN_TOKEN): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${baseUrl}/`);
  await page.getByLabel("Admin token").fill(token);
  await page.getByRole("button", { name: "Sign in" }).click();
  return page;
}
