import { describe, expect, it } from "vitest";
import { createEndpointRecord } from "./endpoint.js";
import type { Endpoint } from "./model.js";
import { endpointAccepts } from "./routing.js";

const base: Endpoint = createEndpointRecord({ appId: "app_1", url: "https://example.com", secret: "whsec_x", now: 0 });

describe("endpointAccepts", () => {
  it("accepts everything without filters", () => {
    expect(endpointAccepts(base, { eventType: "a", channels: null })).toBe(true);
    expect(endpointAccepts(base, { eventType: "a", channels: ["x"] })).toBe(true);
  });
  it("filters by event type", () => {
    const e = { ...base, eventTypes: ["a", "b"] };
    expect(endpointAccepts(e, { eventType: "b", channels: null })).toBe(true);
    expect(endpointAccepts(e, { eventType: "c", channels: null })).toBe(false);
  });
  it("requires a shared channel when the endpoint lists channels", () => {
    const e = { ...base, channels: ["x", "y"] };
    expect(endpointAccepts(e, { eventType: "a", channels: ["y", "z"] })).toBe(true);
    expect(endpointAccepts(e, { eventType: "a", channels: ["z"] })).toBe(false);
    expect(endpointAccepts(e, { eventType: "a", channels: null })).toBe(false);
  });
  it("never accepts for a disabled endpoint", () => {
    expect(endpointAccepts({ ...base, disabled: true }, { eventType: "a", channels: null })).toBe(false);
  });
});
