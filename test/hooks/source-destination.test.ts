// A command hook as a source's destination, end to end: a signed Stripe request to /in/{source}
// on an in-process Hooklane is forwarded to an endpoint that is a `hooklane hooks` server (the
// built CLI), whose hook checks Hooklane's Standard Webhooks signature and runs a script with
// values from the payload. Forged requests are refused at either hop and run nothing.
import { createHmac } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { waitFor } from "../helpers/wait.js";
import { startHooks, type HooksProcess } from "./hooksProcess.js";

const RECORD_SCRIPT = fileURLToPath(new URL("./fixtures/record.mjs", import.meta.url));
const STRIPE_SECRET = "whsec_stripe_source_secret";
// The endpoint's signing secret: Hooklane signs with it, the hook checks with it.
const ENDPOINT_SECRET = "whsec_" + Buffer.from("hooks-destination-signing-key-32").toString("base64");

const dir = mkdtempSync(join(tmpdir(), "hooks-source-"));
const recordFile = join(dir, "record.jsonl");
let hooks: HooksProcess;
let server: TestServer;
let sourceId: string;

const runs = (): Array<{ args: string[] }> =>
  existsSync(recordFile)
    ? readFileSync(recordFile, "utf8")
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as { args: string[] })
    : [];

function stripeHeaders(body: string, seconds = Math.floor(Date.now() / 1000)): Record<string, string> {
  const v1 = createHmac("sha256", STRIPE_SECRET).update(`${seconds}.${body}`).digest("hex");
  return { "content-type": "application/json", "stripe-signature": `t=${seconds},v1=${v1}` };
}

const invoice = (id: string) => JSON.stringify({ id: `evt_${id}`, type: "invoice.paid", data: { object: { id } } });

beforeAll(async () => {
  const hookFile = join(dir, "hooks.json");
  writeFileSync(
    hookFile,
    JSON.stringify([
      {
        id: "invoice-paid",
        "execute-command": process.execPath,
        "response-message": "queued",
        "pass-arguments-to-command": [
          { source: "string", name: RECORD_SCRIPT },
          { source: "payload", name: "type" },
          { source: "payload", name: "data.object.id" },
        ],
        "trigger-rule": { match: { type: "standard-webhooks", "secret-env": "HOOKLANE_SIGNING_SECRET" } },
      },
    ]),
  );
  hooks = await startHooks("hooklane", ["-hooks", hookFile], {
    HOOKLANE_SIGNING_SECRET: ENDPOINT_SECRET,
    RECORD_FILE: recordFile,
  });
  server = await startTestServer();
  const app = await server.api("POST", "/api/v1/app", { name: "billing" });
  const endpoint = await server.api("POST", `/api/v1/app/${app.body.id}/endpoint`, {
    url: `${hooks.url}/hooks/invoice-paid`,
    secret: ENDPOINT_SECRET,
  });
  expect(endpoint.status, JSON.stringify(endpoint.body)).toBe(201);
  const source = await server.api("POST", "/api/v1/source", {
    name: "stripe",
    appId: app.body.id,
    verification: { type: "stripe", secret: STRIPE_SECRET },
  });
  expect(source.status, JSON.stringify(source.body)).toBe(201);
  sourceId = source.body.id;
}, 180_000);

afterAll(async () => {
  await server?.stop();
  await hooks?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("a command hook as a source destination", () => {
  it("runs the script with values from a verified Stripe event", async () => {
    const body = invoice("in_paid_1");
    const response = await fetch(`${server.url}/in/${sourceId}`, {
      method: "POST",
      headers: stripeHeaders(body),
      body,
    });
    expect(response.status).toBe(200);
    const run = await waitFor(() => runs().find((r) => r.args.includes("in_paid_1")), {
      timeoutMs: 60_000,
      what: "the hook's script to run",
    });
    expect(run.args).toEqual(["invoice.paid", "in_paid_1"]);
  });

  it("refuses a tampered provider request at the source; the script does not run", async () => {
    const signed = invoice("in_tampered");
    const response = await fetch(`${server.url}/in/${sourceId}`, {
      method: "POST",
      headers: stripeHeaders(signed),
      body: signed.replace("in_tampered", "in_forged"),
    });
    expect(response.status).toBe(401);
    // A later, valid event arrives after it: had the forged one been forwarded, it ran by now.
    const next = invoice("in_after_tamper");
    expect(
      (await fetch(`${server.url}/in/${sourceId}`, { method: "POST", headers: stripeHeaders(next), body: next }))
        .status,
    ).toBe(200);
    await waitFor(() => runs().some((r) => r.args.includes("in_after_tamper")), {
      timeoutMs: 60_000,
      what: "the following valid event to run",
    });
    expect(runs().filter((r) => r.args.includes("in_forged") || r.args.includes("in_tampered"))).toEqual([]);
  });

  it("refuses a request sent straight to the hooks server without Hooklane's signature", async () => {
    const body = invoice("in_direct");
    const unsigned = await fetch(`${hooks.url}/hooks/invoice-paid`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
    expect(unsigned.status).toBe(500);
    expect(await unsigned.text()).toBe("Error occurred while evaluating hook rules.");

    // Signed with another key, and signed right but stale: refused too.
    const seconds = Math.floor(Date.now() / 1000);
    const wrongKey = "whsec_" + Buffer.from("some-other-signing-key-of-32-by").toString("base64");
    for (const [secret, at] of [
      [wrongKey, seconds],
      [ENDPOINT_SECRET, seconds - 600],
    ] as const) {
      const signature = new Webhook(secret).sign("msg_direct", new Date(at * 1000), body);
      const forged = await fetch(`${hooks.url}/hooks/invoice-paid`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "webhook-id": "msg_direct",
          "webhook-timestamp": String(at),
          "webhook-signature": signature,
        },
        body,
      });
      expect(forged.status).toBe(500);
    }

    // The same request signed right now passes, so the refusals above were about the signature.
    const good = new Webhook(ENDPOINT_SECRET).sign("msg_direct", new Date(seconds * 1000), body);
    const accepted = await fetch(`${hooks.url}/hooks/invoice-paid`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "webhook-id": "msg_direct",
        "webhook-timestamp": String(seconds),
        "webhook-signature": good,
      },
      body,
    });
    expect(accepted.status).toBe(200);
    expect(await accepted.text()).toBe("queued");
    await waitFor(() => runs().filter((r) => r.args.includes("in_direct")).length === 1, {
      timeoutMs: 60_000,
      what: "the correctly signed direct request to run once",
    });
  });
});
