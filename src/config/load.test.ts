import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { envName, loadConfig } from "./load.js";

describe("loadConfig", () => {
  it("uses documented defaults", () => {
    const config = loadConfig({ env: {} });
    expect(config.port).toBe(8071);
    expect(config.databaseUrl).toBe("./hooklane.db");
    expect(config.retrySchedule).toEqual([5, 300, 1800, 7200, 18000, 36000, 36000]);
    expect(config.requestTimeoutMs).toBe(15000);
  });

  it("layers file < env < flags", () => {
    const dir = mkdtempSync(join(tmpdir(), "hooklane-config-"));
    const file = join(dir, "hooklane.json");
    writeFileSync(file, JSON.stringify({ port: 1000, host: "0.0.0.0", logLevel: "warn" }));
    const config = loadConfig({
      file,
      env: { HOOKLANE_PORT: "2000", HOOKLANE_LOG_LEVEL: "debug" },
      flags: { port: 3000 },
    });
    expect(config.port).toBe(3000);
    expect(config.logLevel).toBe("debug");
    expect(config.host).toBe("0.0.0.0");
  });

  it("parses lists from env", () => {
    const config = loadConfig({
      env: { HOOKLANE_RETRY_SCHEDULE: "1, 1,2", HOOKLANE_ALLOWED_SUBNETS: "127.0.0.0/8,10.0.0.0/8" },
    });
    expect(config.retrySchedule).toEqual([1, 1, 2]);
    expect(config.allowedSubnets).toEqual(["127.0.0.0/8", "10.0.0.0/8"]);
  });

  it.each([
    [{ HOOKLANE_PORT: "eighty" }, /port \(env HOOKLANE_PORT\)/],
    [{ HOOKLANE_PORT: "70000" }, /port \(env HOOKLANE_PORT\)/],
    [{ HOOKLANE_RETRY_SCHEDULE: "1,x" }, /retrySchedule \(env HOOKLANE_RETRY_SCHEDULE\)/],
    [{ HOOKLANE_ROLE: "boss" }, /role \(env HOOKLANE_ROLE\) must be one of "all", "api", "worker"/],
    [{ HOOKLANE_ALLOWED_SUBNETS: "localhost" }, /allowedSubnets entry "localhost"/],
    [{ HOOKLANE_ADMIN_TOKEN: "short" }, /adminToken/],
  ])("rejects %o naming the key", (env, message) => {
    expect(() => loadConfig({ env })).toThrow(message);
  });

  it("rejects unknown keys in a config file", () => {
    const dir = mkdtempSync(join(tmpdir(), "hooklane-config-"));
    const file = join(dir, "bad.json");
    writeFileSync(file, JSON.stringify({ prot: 1 }));
    expect(() => loadConfig({ file, env: {} })).toThrow(/unknown key "prot"/);
  });

  it("takes the OTLP endpoint from OTEL_EXPORTER_OTLP_ENDPOINT, below HOOKLANE_OTLP_ENDPOINT", () => {
    expect(loadConfig({ env: {} }).otlpEndpoint).toBeUndefined();
    const standard = { OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318" };
    expect(loadConfig({ env: standard }).otlpEndpoint).toBe("http://127.0.0.1:4318");
    const both = { ...standard, HOOKLANE_OTLP_ENDPOINT: "http://127.0.0.2:4318" };
    expect(loadConfig({ env: both }).otlpEndpoint).toBe("http://127.0.0.2:4318");
    expect(() => loadConfig({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: "not a url" } })).toThrow(
      /otlpEndpoint \(env OTEL_EXPORTER_OTLP_ENDPOINT\)/,
    );
  });

  it("names env variables after keys", () => {
    expect(envName("retrySchedule")).toBe("HOOKLANE_RETRY_SCHEDULE");
    expect(envName("databaseUrl")).toBe("HOOKLANE_DATABASE_URL");
  });
});
