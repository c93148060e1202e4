// Starts a real Hooklane (API + workers + SQLite file) in-process on port 0 for a test.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Svix } from "svix";
import { startHooklane, type Hooklane } from "../../src/app/hooklane.js";
import { loadConfig } from "../../src/config/load.js";
import type { Config, ConfigKey } from "../../src/config/schema.js";
import { createLogger } from "../../src/lib/logger.js";

export const ADMIN_TOKEN = "test-admin-token-0123456789";

export interface TestServer {
  url: string;
  token: string;
  svix: Svix;
  hooklane: Hooklane;
  config: Config;
  dbPath: string;
  /** Raw HTTP to the API with the admin token (or `token`). */
  api(
    method: string,
    path: string,
    body?: unknown,
    options?: { token?: string; headers?: Record<string, string> },
  ): Promise<{ status: number; body: any }>;
  stop(): Promise<void>;
}

export async function startTestServer(overrides: Partial<Record<ConfigKey, unknown>> = {}): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), "hooklane-test-"));
  const dbPath = join(dir, "hooklane.db");
  const config = loadConfig({
    env: {},
    flags: {
      port: 0,
      databaseUrl: dbPath,
      adminToken: ADMIN_TOKEN,
      allowedSubnets: ["127.0.0.0/8", "::1/128"],
      retrySchedule: [0.2, 0.2, 0.2],
      retryJitter: 0,
      pollIntervalMs: 50,
      // Tests about retries and health make endpoints fail on purpose; the breaker would pause
      // them. test/delivery-control.test.ts turns it on to test it.
      circuitBreaker: false,
      logLevel: process.env.TEST_LOG_LEVEL ?? "silent",
      ...overrides,
    },
  });
  const hooklane = await startHooklane(config, createLogger(config.logLevel));
  const url = hooklane.url;
  return {
    url,
    token: ADMIN_TOKEN,
    svix: new Svix(ADMIN_TOKEN, { serverUrl: url }),
    hooklane,
    config,
    dbPath,
    async api(method, path, body, options = {}) {
      const response = await fetch(url + path, {
        method,
        headers: {
          authorization: `Bearer ${options.token ?? ADMIN_TOKEN}`,
          ...(body !== undefined ? { "content-type": "application/json" } : {}),
          ...options.headers,
        },
        body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : null };
    },
    async stop() {
      await hooklane.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
