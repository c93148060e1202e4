import { describe, expect, it } from "vitest";
import { parseStreamEntry, parseWebhookJson, streamEventId } from "./entry.js";

const good = { url: "http://127.0.0.1:9/x", webhookId: "w1", data: { a: 1 }, secretHash: "s3cr3t" };

describe("parseStreamEntry", () => {
  it("accepts a Sendhooks entry", () => {
    expect(parseStreamEntry(["data", JSON.stringify(good)], "1-0")).toEqual({
      ok: true,
      request: { url: good.url, webhookId: "w1", data: { a: 1 }, secretHash: "s3cr3t" },
    });
  });

  it.each([
    [["other", "x"], "entry has no data field"],
    [["data", "{not json"], "data is not valid JSON"],
    [["data", "[1]"], "data is not a JSON object"],
    [["data", JSON.stringify({ ...good, url: undefined })], "missing url"],
    [["data", JSON.stringify({ ...good, url: "not a url" })], "invalid url: url is not a valid absolute URL"],
    [["data", JSON.stringify({ ...good, url: "ftp://127.0.0.1/" })], "invalid url: url must be http or https"],
    [["data", JSON.stringify({ ...good, data: undefined })], "missing data"],
    [["data", JSON.stringify({ ...good, data: "text" })], "data.data is not a JSON object"],
    [["data", JSON.stringify({ ...good, secretHash: 5 })], "secretHash is not a string"],
  ])("rejects %j with a reason", (fields, reason) => {
    const parsed = parseStreamEntry(fields, "1-0");
    expect(parsed).toMatchObject({ ok: false, reason });
  });

  it("names a webhook without webhookId by its entry id", () => {
    const parsed = parseWebhookJson(JSON.stringify({ url: good.url, data: {} }), "7-1");
    expect(parsed.ok && parsed.request.webhookId).toBe("7-1");
  });

  it("makes eventIds the API accepts", () => {
    expect(streamEventId("my:stream", "1700000000000-3")).toBe("redis.my_stream.1700000000000-3");
  });
});
