import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../config/load.js";
import { parseSendhooksConfig, resolveRedisSettings } from "./config.js";

describe("Sendhooks config.json", () => {
  it("reads the flat shape with redisDb and redisSsl as strings", () => {
    const parsed = parseSendhooksConfig(
      JSON.stringify({
        redisAddress: "redis.internal:6380",
        redisPassword: "pw",
        redisDb: "2",
        redisSsl: "true",
        redisStreamName: "in",
        redisStreamStatusName: "out",
        secretHashHeaderName: "X-Sig",
      }),
      "config.json",
    );
    expect(parsed).toMatchObject({
      address: "redis.internal:6380",
      password: "pw",
      db: 2,
      ssl: true,
      streamName: "in",
      statusStreamName: "out",
      secretHashHeaderName: "X-Sig",
    });
  });

  it("reads the nested shape with redisDb as a number and redisSsl as a boolean", () => {
    const parsed = parseSendhooksConfig(
      JSON.stringify({
        redis: { redisAddress: "127.0.0.1:6379", redisDb: 0, redisSsl: false, redisStreamName: "hooks" },
        secretHashHeaderName: "X-Secret-Hash",
        broker: "redis",
        numWorkers: 50,
        channelSize: 100,
      }),
      "config.json",
    );
    expect(parsed).toMatchObject({ address: "127.0.0.1:6379", db: 0, ssl: false, streamName: "hooks" });
  });

  it("rejects a redisDb that is not a database number", () => {
    expect(() => parseSendhooksConfig(JSON.stringify({ redisDb: "zero" }), "c.json")).toThrow(/redisDb/);
  });

  it("lets Hooklane keys win over the file, and fills Sendhooks' defaults", () => {
    const dir = mkdtempSync(join(tmpdir(), "sendhooks-config-"));
    try {
      const file = join(dir, "config.json");
      writeFileSync(
        file,
        JSON.stringify({ redisAddress: "10.1.2.3:7000", redisDb: "3", redisStreamName: "from-file" }),
      );
      const fromFile = resolveRedisSettings(loadConfig({ env: {}, flags: { sendhooksConfig: file } }))!;
      expect(fromFile.options).toMatchObject({ host: "10.1.2.3", port: 7000, db: 3 });
      expect(fromFile).toMatchObject({
        url: null,
        stream: "from-file",
        statusStream: "sendhooks-status-updates",
        secretHashHeader: "X-Secret-Hash",
      });
      const overridden = resolveRedisSettings(
        loadConfig({
          env: {},
          flags: { sendhooksConfig: file, redisStream: "mine", redisUrl: "redis://127.0.0.1:6379/1" },
        }),
      )!;
      expect(overridden).toMatchObject({ url: "redis://127.0.0.1:6379/1", stream: "mine" });
      expect(overridden.options.host).toBeUndefined();
      expect(resolveRedisSettings(loadConfig({ env: {} }))).toBeNull();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
