// The client commands as child processes against a server this test starts: management,
// send (to an app and straight to a URL), `listen` (signature checks), `tail` and `simulate`.
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, expect, it } from "vitest";
import { runCli, spawnCli } from "./helpers/cli.js";
import { startReceiver } from "./helpers/receiver.js";
import { startTestServer, type TestServer } from "./helpers/server.js";
import { waitFor } from "./helpers/wait.js";

let server: TestServer;
let env: Record<string, string>;

beforeAll(async () => {
  server = await startTestServer();
  env = { HOOKLANE_URL: server.url, HOOKLANE_TOKEN: server.token };
});
afterAll(() => server.stop());

const json = async (args: string[]): Promise<any> => {
  const result = await runCli([...args, "--json"], env);
  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout);
};

it("creates an app and an endpoint, sends, and lists the message", async () => {
  const app = await json(["app", "create", "CLI app", "--uid", "cli-app"]);
  expect(app.uid).toBe("cli-app");
  const endpoint = await json([
    "endpoint",
    "create",
    "cli-app",
    "http://127.0.0.1:9/hook",
    "--event-types",
    "order.created",
  ]);
  expect(endpoint.filterTypes).toEqual(["order.created"]);

  const sent = await runCli(["send", "cli-app", "order.created", "--data", '{"order":7}'], env);
  expect(sent.code).toBe(0);
  const msgId = /sent (msg_\w+)/.exec(sent.stdout)?.[1];
  expect(msgId).toBeDefined();

  const list = await json(["message", "list", "cli-app"]);
  expect(list.data.map((m: any) => [m.id, m.payload])).toEqual([[msgId, { order: 7 }]]);

  const table = await runCli(["endpoint", "list", "cli-app"], env);
  expect(table.stdout.split("\n")[0]).toMatch(/^ID\s+URL\s+DISABLED/);
  expect(table.stdout).toContain(endpoint.id);
});

it("send --url delivers straight to a URL, signed, with the server named by --server", async () => {
  const receiver = await startReceiver();
  try {
    const url = receiver.url("/direct-cli");
    // The server comes from --server here, not HOOKLANE_URL.
    const args = ["send", "--url", url, "--event-type", "cli.direct", "--data", '{"direct":true}'];
    const sent = await runCli([...args, "--server", server.url, "--json"], { HOOKLANE_TOKEN: server.token });
    expect(sent.stderr).toBe("");
    expect(sent.code).toBe(0);
    const message = JSON.parse(sent.stdout);
    expect(message).toMatchObject({ eventType: "cli.direct", payload: { direct: true } });

    const request = await waitFor(() => receiver.forPath("/direct-cli")[0], { what: "the direct delivery" });
    expect(request.headers["webhook-id"]).toBe(message.id);
    const endpoint = (await json(["endpoint", "list", "direct"])).data.find((e: any) => e.url === url);
    const { key } = await json(["endpoint", "secret", "direct", endpoint.id]);
    expect(new Webhook(key).verify(request.body, request.headers)).toEqual({ direct: true });
  } finally {
    await receiver.close();
  }
});

it("send refuses to mix its application and direct forms, naming the flag", async () => {
  const cases: [string[], string][] = [
    [["send", "--data", "{}"], "send needs <app> <event-type>, or --url URL"],
    [["send", "cli-app", "--data", "{}"], "send needs <app> <event-type>"],
    [["send", "cli-app", "x.y", "--url", "http://127.0.0.1:9/", "--data", "{}"], "send --url takes no <app>"],
    [["send", "--url", "http://127.0.0.1:9/", "--channels", "eu", "--data", "{}"], "--channels does not apply"],
    [["send", "cli-app", "x.y", "--event-type", "x.y", "--data", "{}"], "--event-type goes with --url"],
    // --url no longer names the server: other commands reject it as an unknown option.
    [["app", "list", "--url", server.url], "unknown option '--url'"],
  ];
  for (const [args, message] of cases) {
    const result = await runCli(args, env);
    expect(result.code, args.join(" ")).toBe(2);
    expect(result.stderr).toContain(message);
  }
});

it("exits 1 with the server's error, naming the field on 422, and 2 on usage errors", async () => {
  const missing = await runCli(["app", "get", "no-such-app"], env);
  expect(missing.code).toBe(1);
  expect(missing.stderr).toContain("404 not_found: Application not found");

  const invalid = await runCli(["endpoint", "create", "cli-app", "not a url"], env);
  expect(invalid.code).toBe(1);
  expect(invalid.stderr).toMatch(/422 invalid body\.url/);

  expect((await runCli(["app", "frobnicate"], env)).code).toBe(2);
  expect((await runCli(["send", "cli-app", "x.y", "--data", "{oops"], env)).code).toBe(2);
  const noToken = await runCli(["app", "list"], { HOOKLANE_URL: server.url });
  expect(noToken.code).toBe(2);
  expect(noToken.stderr).toContain("HOOKLANE_TOKEN");
  expect((await runCli(["app", "list", "--help"], env)).code).toBe(0);
});

it("listen verifies a real delivery's signature and flags a tampered one", async () => {
  await json(["app", "create", "Listen app", "--uid", "listen-app"]);
  const listener = await spawnCli(
    ["listen", "--port", "0", "--json", "--secret", "whsec_" + "A".repeat(32)],
    env,
    /listening on (http:\S+)/,
  );
  try {
    const url = listener.match![1]!.replace(/,$/, "") + "/hook";
    await json(["endpoint", "create", "listen-app", url, "--secret", "whsec_" + "A".repeat(32)]);
    await json(["send", "listen-app", "ping", "--data", '{"n":1}']);
    const line = await waitFor(() => listener.lines[0], { what: "a delivery at the listener" });
    const received = JSON.parse(line);
    expect(received).toMatchObject({ method: "POST", path: "/hook", body: { n: 1 }, signature: "valid" });

    // Replay the same request with a changed body: the signature no longer matches.
    const headers = received.headers as Record<string, string>;
    await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "webhook-id": headers["webhook-id"]!,
        "webhook-timestamp": headers["webhook-timestamp"]!,
        "webhook-signature": headers["webhook-signature"]!,
      },
      body: '{"n":2}',
    });
    const tampered = JSON.parse(await waitFor(() => listener.lines[1], { what: "the tampered request" }));
    expect(tampered.signature).toBe("invalid");

    // The same check from `verify`, with the original body on stdin.
    const args = ["verify", "--secret", "whsec_" + "A".repeat(32), "--id", headers["webhook-id"]!];
    args.push("--timestamp", headers["webhook-timestamp"]!, "--signature", headers["webhook-signature"]!);
    expect((await runCli(args, {}, JSON.stringify(received.body))).code).toBe(0);
    expect((await runCli(args, {}, '{"n":2}')).code).toBe(1);
  } finally {
    await listener.stop();
  }
});

it("tail shows an attempt made after it started", async () => {
  const tail = await spawnCli(
    ["tail", "--app", "listen-app", "--json", "--interval", "100ms", "--count", "1"],
    env,
    /^following 1 endpoint/,
  );
  try {
    const msg = await json(["send", "listen-app", "ping", "--data", '{"n":3}']);
    expect(await tail.exited).toBe(0);
    const attempt = JSON.parse(tail.lines[0]!);
    expect(attempt).toMatchObject({ app: "listen-app", msgId: msg.id });
    expect(typeof attempt.responseStatusCode).toBe("number");
  } finally {
    await tail.stop();
  }
});

it("simulate sends the expected count at a fixed rate", async () => {
  await json(["app", "create", "Sim app", "--uid", "sim-app"]);
  const started = Date.now();
  const result = await runCli(
    ["simulate", "--app", "sim-app", "--event-type", "sim.tick", "--rate", "20/s", "--duration", "1s", "--json"],
    env,
  );
  expect(result.code).toBe(0);
  const summary = JSON.parse(result.stdout);
  expect(summary).toMatchObject({ sent: 20, accepted: 20, rejected: 0, failed: 0 });
  // 20 at 20/s: the last is due at 950 ms, so the run cannot be much faster than that.
  expect(Date.now() - started).toBeGreaterThan(900);
  const messages = await json(["message", "list", "sim-app", "--all"]);
  expect(messages.data).toHaveLength(20);
});
