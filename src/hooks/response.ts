// How webhook's Go server shapes an answer: only status codes Go knows are written (others
// fall back to 200), and a body without a Content-Type gets Go's sniffed one.
export interface HookResponse {
  status: number;
  headers: [string, string][];
  body: string;
}

/** Codes with a text in Go's net/http StatusText (webhook ignores any other configured code). */
const GO_STATUS_CODES = new Set([
  100, 101, 102, 103, 200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303, 304, 305, 307, 308, 400,
  401, 402, 403, 404, 405, 406, 407, 408, 409, 410, 411, 412, 413, 414, 415, 416, 417, 418, 421, 422, 423, 424, 425,
  426, 428, 429, 431, 451, 500, 501, 502, 503, 504, 505, 506, 507, 508, 510, 511,
]);

export function knownStatus(code: number | undefined, fallback: number): number {
  return code !== undefined && code !== 0 && GO_STATUS_CODES.has(code) ? code : fallback;
}

/** The part of Go's http.DetectContentType that text answers hit. */
export function sniffContentType(body: string): string {
  const start = body.trimStart().slice(0, 14).toLowerCase();
  if (/^<(!doctype html|html|head|script|iframe|h1|div|font|table|a|style|title|b|body|br|p|!--)[ >]/.test(start)) {
    return "text/html; charset=utf-8";
  }
  if (start.startsWith("<?xml")) return "text/xml; charset=utf-8";
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f]/.test(body.slice(0, 512))) return "application/octet-stream";
  return "text/plain; charset=utf-8";
}

/** Sets a header the way Go's Header.Set does: replacing any earlier value of the same name. */
export function setHeader(headers: [string, string][], name: string, value: string): void {
  const index = headers.findIndex(([existing]) => existing.toLowerCase() === name.toLowerCase());
  if (index === -1) headers.push([name, value]);
  else headers[index] = [name, value];
}

/** An answer with Go's implicit Content-Type when the body has none. */
export function reply(status: number, headers: [string, string][], body: string): HookResponse {
  if (body !== "" && !headers.some(([name]) => name.toLowerCase() === "content-type")) {
    headers.push(["Content-Type", sniffContentType(body)]);
  }
  return { status, headers, body };
}
