// The configuration schema: every key, its type, default and documentation in one place.
// docs/configuration.md is generated from this (npm run docs:config), so keep descriptions
// user-facing.
import { Type, type Static } from "typebox";

const seconds = Type.Number({ minimum: 0 });

export const ConfigSchema = Type.Object({
  port: Type.Integer({
    minimum: 0,
    maximum: 65535,
    default: 8071,
    description: "TCP port of the HTTP API (0 picks a free port).",
  }),
  host: Type.String({
    minLength: 1,
    default: "127.0.0.1",
    description: "Interface the HTTP API listens on; 0.0.0.0 to accept connections from other hosts.",
  }),
  databaseUrl: Type.String({
    minLength: 1,
    default: "./hooklane.db",
    description:
      "SQLite file path (created if missing; `:memory:` keeps everything in memory), or a PostgreSQL URL (postgres://user:password@host:5432/db) so several instances can share one database.",
  }),
  migrateOnStart: Type.Boolean({
    default: true,
    description:
      "Apply pending database migrations when `serve` starts. Set to false (`serve --no-migrate`) when a deploy step runs `hooklane migrate` first; start then fails if the schema is behind.",
  }),
  databasePoolSize: Type.Integer({
    minimum: 1,
    maximum: 1000,
    default: 10,
    description:
      "PostgreSQL only: most connections this process opens for queries. Workers that listen for new work use one more.",
  }),
  databasePreparedStatements: Type.Boolean({
    default: true,
    description:
      "PostgreSQL only: prepare the statements Hooklane runs often, once per connection, so the server does not parse and plan them on every call. Turn off behind a pooler that cannot keep prepared statements (PgBouncer before 1.21, or without `max_prepared_statements`, in transaction mode).",
  }),
  databaseConnectTimeoutMs: Type.Integer({
    minimum: 100,
    default: 5000,
    description:
      "PostgreSQL only: how long to wait for a database connection before the request fails with 503 (e.g. while the database restarts).",
  }),
  role: Type.Union([Type.Literal("all"), Type.Literal("api"), Type.Literal("worker")], {
    default: "all",
    description: "What this process runs: the API, the delivery workers, or both.",
  }),
  adminToken: Type.Optional(
    Type.String({
      minLength: 16,
      description: "Admin bearer token. When unset, one is generated at first start, printed once and stored hashed.",
    }),
  ),
  mainSecret: Type.Optional(
    Type.String({
      minLength: 16,
      description:
        "Key material for encrypting endpoint secrets at rest (AES-256-GCM). Without it they are stored in plaintext and the server warns at start. Keep it stable: secrets written with one key need that key to be read.",
    }),
  ),
  publicUrl: Type.Optional(
    Type.String({
      format: "uri",
      description: "Base URL users reach this server at; used in app-portal links. Defaults to http://host:port.",
    }),
  ),
  logLevel: Type.Union(
    [
      Type.Literal("fatal"),
      Type.Literal("error"),
      Type.Literal("warn"),
      Type.Literal("info"),
      Type.Literal("debug"),
      Type.Literal("trace"),
      Type.Literal("silent"),
    ],
    { default: "info", description: "Minimum level of the JSON log lines written to stdout." },
  ),
  logFormat: Type.Union([Type.Literal("json"), Type.Literal("pretty")], {
    default: "json",
    description:
      "`json`: one JSON object per line (for log shippers). `pretty`: colourised lines for people (loads pino-pretty).",
  }),
  metricsPublic: Type.Boolean({
    default: false,
    description:
      "Serve `/metrics` (Prometheus) without a token. When false it needs the admin token or `metricsToken` as a bearer token.",
  }),
  metricsToken: Type.Optional(
    Type.String({
      minLength: 16,
      description: "A bearer token that may read `/metrics` and nothing else, for the Prometheus scrape config.",
    }),
  ),
  otlpEndpoint: Type.Optional(
    Type.String({
      format: "uri",
      description:
        "OpenTelemetry collector base URL (OTLP over HTTP, e.g. http://127.0.0.1:4318); spans go to `<url>/v1/traces`. When set, each publish and each delivery attempt is traced. Also read from the standard `OTEL_EXPORTER_OTLP_ENDPOINT`. When unset, no tracing code is loaded.",
    }),
  ),
  bodyLimitBytes: Type.Integer({
    minimum: 1024,
    default: 1048576,
    description: "Largest request body the API accepts; larger ones get 413.",
  }),
  retrySchedule: Type.Array(seconds, {
    default: [5, 300, 1800, 7200, 18000, 36000, 36000],
    description:
      "Delays in seconds before each retry after a failed attempt (comma-separated in env). The number of attempts is its length + 1.",
  }),
  retryJitter: Type.Number({
    minimum: 0,
    maximum: 1,
    default: 0.2,
    description: "Random spread applied to each retry delay (0.2 = ±20%), so failed endpoints are not hit in waves.",
  }),
  retryAfterMaxSeconds: Type.Number({
    minimum: 0,
    default: 3600,
    description: "Upper clamp for a receiver's Retry-After header on 429/503 answers.",
  }),
  requestTimeoutMs: Type.Integer({
    minimum: 1,
    default: 15000,
    description:
      "Time a delivery attempt waits for the receiver's response headers, and then at most between chunks of its body; a body still arriving after this long is cut off and the attempt counts as timed out.",
  }),
  responseBodyMaxBytes: Type.Integer({
    minimum: 0,
    default: 65536,
    description: "How much of a receiver's response body is stored with the attempt.",
  }),
  allowedSubnets: Type.Array(Type.String({ minLength: 1 }), {
    default: [],
    description:
      "CIDRs deliveries may reach even though they are private, loopback or link-local (e.g. 127.0.0.0/8). Comma-separated in env.",
  }),
  signatureHeaders: Type.Union([Type.Literal("webhook"), Type.Literal("svix"), Type.Literal("both")], {
    default: "webhook",
    description: "Signature header names: Standard Webhooks `webhook-*`, Svix `svix-*`, or both sets.",
  }),
  endpointDisableAfterSeconds: Type.Number({
    minimum: 0,
    default: 432000,
    description:
      "An endpoint whose every attempt failed for this long (default 5 days) is disabled, with an endpoint.disabled operational event. Any success resets the clock.",
  }),
  attemptFailingThreshold: Type.Integer({
    minimum: 1,
    default: 4,
    description: "The failed attempt number at which a message.attempt.failing operational event is sent.",
  }),
  circuitBreaker: Type.Boolean({
    default: true,
    description:
      "Pause an endpoint whose recent attempts mostly fail (see circuit*): its deliveries wait without spending attempts, and one probe tests it before the rest go.",
  }),
  circuitWindowSeconds: Type.Integer({
    minimum: 1,
    maximum: 600,
    default: 60,
    description: "The sliding window over which the circuit breaker measures an endpoint's error rate.",
  }),
  circuitErrorRatePercent: Type.Number({
    minimum: 1,
    maximum: 100,
    default: 50,
    description: "The circuit opens when at least this share of the endpoint's attempts in the window failed.",
  }),
  circuitMinAttempts: Type.Integer({
    minimum: 1,
    default: 20,
    description: "Fewer attempts than this in the window never open the circuit (one failure out of two is no trend).",
  }),
  circuitCooldownSeconds: Type.Number({
    minimum: 0.1,
    default: 30,
    description: "How long an opened circuit waits before its first probe; doubles after each failed probe.",
  }),
  circuitMaxCooldownSeconds: Type.Number({
    minimum: 0.1,
    default: 600,
    description: "The longest wait between probes of an open circuit.",
  }),
  replayRatePerSecond: Type.Number({
    minimum: 1,
    default: 100,
    description:
      "How many deliveries a replay re-queues per second unless the request sets `rate`, so a large replay cannot flood its endpoints.",
  }),
  retentionSeconds: Type.Number({
    minimum: 1,
    default: 2592000,
    description:
      "How long payloads, response bodies and attempts are kept (default 30 days; a message's payloadRetentionPeriod/Hours overrides it for its payload). Finished messages and requests received by sources (once past their dedupe window) older than this are deleted.",
  }),
  retentionIntervalSeconds: Type.Number({
    minimum: 0.1,
    default: 60,
    description: "How often the retention job runs (each run works in batches of 500 rows until done).",
  }),
  workerConcurrency: Type.Integer({
    minimum: 1,
    default: 256,
    description: "Most delivery requests in flight at once in this process.",
  }),
  senderThread: Type.Boolean({
    default: true,
    description:
      "Send delivery requests from a worker thread, so the main thread's time goes to the API and the database (more deliveries per second with two or more cores). Off: from the main thread.",
  }),
  endpointConcurrency: Type.Integer({
    minimum: 1,
    default: 64,
    description:
      "Most requests in flight to one endpoint from this process, so a slow endpoint cannot hold the whole worker pool.",
  }),
  claimBatchSize: Type.Integer({
    minimum: 1,
    maximum: 5000,
    default: 256,
    description: "Most due deliveries claimed in one database round trip.",
  }),
  pollIntervalMs: Type.Integer({
    minimum: 10,
    default: 500,
    description: "How often an idle worker looks for due retries. New messages wake it at once.",
  }),
  leaseMarginMs: Type.Integer({
    minimum: 1000,
    default: 10000,
    description:
      "Added to requestTimeoutMs to form a claim's lease; after it expires, a crashed worker's deliveries are claimed again.",
  }),
  shutdownTimeoutMs: Type.Integer({
    minimum: 0,
    default: 20000,
    description: "On SIGTERM/SIGINT, how long to wait for in-flight deliveries before releasing them.",
  }),
  idempotencyTtlSeconds: Type.Integer({
    minimum: 60,
    default: 86400,
    description: "How long a POST's `idempotency-key` response is remembered.",
  }),
  portalTokenTtlSeconds: Type.Integer({
    minimum: 60,
    default: 604800,
    description: "Lifetime of app-portal access tokens.",
  }),
  directSecret: Type.Optional(
    Type.String({
      pattern: "^whsec_[A-Za-z0-9+/=]{32,}$",
      description:
        "Signing secret (`whsec_…`) of direct-URL sends (`POST /api/v1/send`, Redis ingest). When unset, one is generated at first start and stored in the database; read it from any direct endpoint's secret. Never logged.",
    }),
  ),
  redisUrl: Type.Optional(
    Type.String({
      pattern: "^rediss?://",
      description:
        "Redis to ingest webhooks from (redis:// or rediss://). Setting it (or sendhooksConfig) starts the Sendhooks-compatible stream adapter. See docs/redis-ingest.md.",
    }),
  ),
  sendhooksConfig: Type.Optional(
    Type.String({
      minLength: 1,
      description:
        "Path of a Sendhooks config.json (flat or nested under `redis`): Redis address, password, db, TLS files, stream names and secret-hash header are taken from it. Hooklane keys set explicitly win.",
    }),
  ),
  redisStream: Type.Optional(
    Type.String({
      minLength: 1,
      description: "Input stream read with a consumer group (`XADD hooks * data <json>`). Default `hooks`.",
    }),
  ),
  redisStatusStream: Type.Optional(
    Type.String({
      minLength: 1,
      description: "Stream the final state of each webhook is written to. Default `sendhooks-status-updates`.",
    }),
  ),
  redisSecretHashHeader: Type.Optional(
    Type.String({
      pattern: "^[A-Za-z0-9-]+$",
      description: "Header carrying an entry's `secretHash`. Default `X-Secret-Hash`.",
    }),
  ),
  redisGroup: Type.String({
    minLength: 1,
    default: "hooklane",
    description: "Consumer group on the input stream; instances sharing it split the entries.",
  }),
  redisConsumer: Type.Optional(
    Type.String({
      minLength: 1,
      description:
        "This instance's consumer name in the group. Default `<hostname>-<pid>`; a stable name lets a restarted instance resume its own pending entries at once.",
    }),
  ),
  redisClaimIdleMs: Type.Integer({
    minimum: 100,
    default: 60000,
    description:
      "Entries another consumer has held unacknowledged this long are taken over (XAUTOCLAIM): it probably died.",
  }),
  redisDeleteAcked: Type.Boolean({
    default: true,
    description:
      "Delete entries from the input stream once stored and acknowledged, as Sendhooks does, so producers' streams do not grow without bound. Set false if other groups read the stream.",
  }),
  redisStatusDialect: Type.Union([Type.Literal("v0.3"), Type.Literal("v1")], {
    default: "v0.3",
    description:
      "Status entry fields: `v0.3` (`webhook_id`, `delivery_error`; what sendhooks-monitoring reads) or `v1` (`webhookId`, `deliveryError`, `payloadSize`, `numberOfTries`).",
  }),
  redisStatusMaxLen: Type.Integer({
    minimum: 0,
    default: 100000,
    description: "Approximate cap on the status stream's length (`XADD MAXLEN ~`); 0 keeps everything.",
  }),
  redisPubsubChannel: Type.Optional(
    Type.String({
      minLength: 1,
      description:
        "Also subscribe to this pub/sub channel (golang-wehook style, e.g. `payments`) for `{url, webhookId, data}` messages. Pub/sub loses messages published while Hooklane is down; prefer the stream.",
    }),
  ),
  redisRequired: Type.Boolean({
    default: false,
    description:
      "When true, `GET /api/v1/health` answers 503 while a Redis adapter is disconnected; otherwise it stays 204 and `?verbose=true` shows the adapter state.",
  }),
});

export type Config = Static<typeof ConfigSchema>;
export type ConfigKey = keyof Config;
