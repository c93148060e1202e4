import { describe, expect, it } from "vitest";
import type { Endpoint, Message } from "../domain/model.js";
import { newSecret } from "../domain/signing.js";
import { buildOutboundRequest, deliveryRequest } from "./outboundRequest.js";

const endpoint = {
  id: "ep_1",
  url: "http://127.0.0.1:9/x",
  headers: { "X-Team": "a", "X-Secret-Hash": "endpoint-value" },
  secret: newSecret(),
  retiredSecrets: [],
} as unknown as Endpoint;

const message = (headers: Record<string, string> | null): Pick<Message, "id" | "contentType" | "headers"> => ({
  id: "msg_1",
  contentType: null,
  headers,
});

describe("buildOutboundRequest with per-message headers", () => {
  it("sends the message's headers over the endpoint's, and never over the signature", () => {
    const request = buildOutboundRequest(
      deliveryRequest(
        endpoint,
        message({ "x-secret-hash": "per-message", "Webhook-Signature": "forged" }),
        "{}",
        "webhook",
        1_700_000_000_000,
      ),
    );
    expect(request.headers["x-secret-hash"]).toBe("per-message");
    expect(request.headers).not.toHaveProperty("X-Secret-Hash");
    expect(request.headers["X-Team"]).toBe("a");
    expect(request.headers["webhook-signature"]).toMatch(/^v1,/);
    expect(request.headers).not.toHaveProperty("Webhook-Signature");
  });
});
