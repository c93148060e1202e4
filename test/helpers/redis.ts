// The local Redis (127.0.0.1:6379) for ingest tests: unique key names per test, a producer
// connection, status-stream reads, and clean-up of every key a test made.
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";

export const REDIS_URL = "redis://127.0.0.1:6379";

export interface RedisNames {
  stream: string;
  status: string;
  group: string;
  consumer: string;
  channel: string;
}

export interface RedisFixture {
  redis: Redis;
  names: RedisNames;
  /** Sendhooks' producer: `XADD <stream> * data <json>`. */
  produce(entry: unknown, stream?: string): Promise<string>;
  /** Parsed `data` of every status entry so far. */
  statuses(): Promise<Record<string, unknown>[]>;
  /** How many connections have a name containing `fragment`. */
  connectionCount(fragment: string): Promise<number>;
  /** CLIENT KILL every connection whose name contains `fragment` (our adapter's names). */
  killConnections(fragment: string): Promise<number>;
  cleanup(): Promise<void>;
}

export async function redisFixture(): Promise<RedisFixture> {
  const redis = new Redis(REDIS_URL, { connectionName: "hooklane-test-producer" });
  const tag = `hltest-${randomUUID().slice(0, 8)}`;
  const names: RedisNames = {
    stream: `${tag}-hooks`,
    status: `${tag}-status`,
    group: `${tag}-group`,
    consumer: `${tag}-consumer`,
    channel: `${tag}-payments`,
  };
  const namedIds = async (fragment: string): Promise<string[]> => {
    const list = (await redis.client("LIST")) as string;
    return list
      .split("\n")
      .filter((line) => line.includes(" name=") && line.includes(fragment))
      .map((line) => /(?:^|\s)id=(\d+)/.exec(line)?.[1])
      .filter((id): id is string => id !== undefined);
  };
  return {
    redis,
    names,
    produce: (entry, stream = names.stream) =>
      redis.xadd(stream, "*", "data", typeof entry === "string" ? entry : JSON.stringify(entry)) as Promise<string>,
    async statuses() {
      const entries = await redis.xrange(names.status, "-", "+");
      return entries.map(([, fields]) => JSON.parse(fields[fields.indexOf("data") + 1]!) as Record<string, unknown>);
    },
    async connectionCount(fragment) {
      return (await namedIds(fragment)).length;
    },
    async killConnections(fragment) {
      const ids = await namedIds(fragment);
      for (const id of ids) await redis.client("KILL", "ID", id);
      return ids.length;
    },
    async cleanup() {
      await redis.del(names.stream, names.status);
      await redis.quit();
    },
  };
}
