// Body → payload the way webhook 2.8 chooses a parser: by substring of the content type
// (`json`, then `x-www-form-urlencoded`, then `xml`), multipart by prefix. Parse failures are
// logged and leave the payload empty; only a broken multipart body fails the request.
import { Readable } from "node:stream";
import busboy from "busboy";
import { XMLParser } from "fast-xml-parser";
import { parse as parseLosslessJson } from "lossless-json";
import { parseGoQuery, type Payload } from "./request.js";

export type PayloadResult = { payload: Payload | undefined; error?: string };

function decodeJsonObject(body: Buffer): Payload | undefined {
  try {
    const value: unknown = parseLosslessJson(body.toString("utf8"));
    return value !== null && typeof value === "object" && value.constructor === Object ? (value as Payload) : undefined;
  } catch {
    return undefined;
  }
}

/** webhook wraps a top-level JSON array as `{"root": [...]}` so dot paths can reach it. */
export function parseJsonPayload(body: Buffer): PayloadResult {
  const text = body.toString("utf8");
  try {
    const value: unknown = parseLosslessJson(text);
    if (Array.isArray(value)) return { payload: { root: value } };
    if (value === null) return { payload: undefined };
    if (typeof value !== "object" || value.constructor !== Object) {
      return { payload: undefined, error: "error parsing JSON payload: not an object" };
    }
    return { payload: value as Payload };
  } catch (error) {
    return { payload: undefined, error: `error parsing JSON payload ${(error as Error).message}` };
  }
}

// Mirrors mxj's map layout: attributes as `-name`, text beside attributes as `#text`, every
// value a string, repeated elements as arrays.
const xmlParser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "-",
  textNodeName: "#text",
  parseTagValue: false,
  parseAttributeValue: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  trimValues: true,
});

export function parseXmlPayload(body: Buffer): PayloadResult {
  try {
    const value = xmlParser.parse(body.toString("utf8"), true) as Payload;
    return { payload: value };
  } catch (error) {
    return { payload: undefined, error: `error parsing XML payload ${(error as Error).message}` };
  }
}

/**
 * Multipart: text fields become payload values (first one wins); file parts are parsed as JSON
 * when their part content type is exactly `application/json` or the hook names them in
 * parse-parameters-as-json; other files are ignored, as in webhook.
 */
export function parseMultipartPayload(
  body: Buffer,
  contentType: string,
  jsonFileNames: ReadonlySet<string>,
): Promise<PayloadResult & { failed?: boolean }> {
  return new Promise((resolve) => {
    let payload: Payload | undefined;
    const set = (key: string, value: unknown) => {
      payload ??= {};
      if (!(key in payload)) payload[key] = value;
    };
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: { "content-type": contentType }, defParamCharset: "utf8" });
    } catch (error) {
      resolve({ payload: undefined, failed: true, error: (error as Error).message });
      return;
    }
    parser.on("field", (name, value) => set(name, value));
    parser.on("file", (name, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        if (!jsonFileNames.has(name) && info.mimeType !== "application/json") return;
        // Go decodes the part into a map: anything but an object becomes a nil map (null).
        set(name, decodeJsonObject(Buffer.concat(chunks)) ?? null);
      });
    });
    parser.on("error", (error: Error) => resolve({ payload: undefined, failed: true, error: error.message }));
    parser.on("close", () => resolve({ payload }));
    Readable.from([body]).pipe(parser);
  });
}

export function isMultipart(contentType: string): boolean {
  return contentType.startsWith("multipart/form-data;");
}

/** The synchronous parsers, chosen in webhook's order. */
export function parseBodyPayload(body: Buffer, contentType: string): PayloadResult {
  if (contentType.includes("json")) return parseJsonPayload(body);
  if (contentType.includes("x-www-form-urlencoded")) return { payload: parseGoQuery(body.toString("utf8")) };
  if (contentType.includes("xml")) return parseXmlPayload(body);
  return {
    payload: undefined,
    error: `error parsing body payload due to unsupported content type header: ${contentType}`,
  };
}
