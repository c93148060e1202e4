// The one place errors become HTTP responses. Known kinds map to 4xx with a short JSON body
// ({code, detail}, or Svix's 422 shape for validation); anything else is a bare 500 whose
// details go to the log only, never to the client.
import type { FastifyError, FastifyInstance } from "fastify";
import { HooklaneError, type ErrorKind } from "../lib/errors.js";

const STATUS: Record<ErrorKind, number> = {
  not_found: 404,
  conflict: 409,
  validation: 422,
  unauthorized: 401,
  forbidden: 403,
  unavailable: 503,
};

const FASTIFY_CODES: Record<string, { status: number; code: string; detail?: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: "invalid_json" },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: "invalid_json", detail: "Body is empty but content-type is JSON" },
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: "payload_too_large" },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    code: "unsupported_media_type",
    detail: "Send the body as application/json",
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: "bad_request" },
};

interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

/** Svix's 422 body: `{detail: [{loc: ["body", "url"], msg, type}]}`. */
export function validationDetail(context: string, errors: AjvError[]) {
  const seen = new Set<string>();
  const detail = [];
  for (const error of errors) {
    // anyOf branches (nullable fields) repeat one problem several times; keep the clearest.
    if (error.keyword === "anyOf" || (error.keyword === "type" && error.params.type === "null")) continue;
    const path = error.instancePath.split("/").slice(1).map(decodePointer);
    if (typeof error.params.missingProperty === "string") path.push(error.params.missingProperty);
    const loc = [context === "querystring" ? "query" : context === "params" ? "path" : context, ...path];
    const msg = error.keyword === "required" ? "field required" : (error.message ?? "invalid value");
    const key = loc.join(".") + msg;
    if (seen.has(key)) continue;
    seen.add(key);
    detail.push({ loc, msg, type: `value_error.${error.keyword}` });
  }
  return { detail };
}

const decodePointer = (segment: string): string | number =>
  /^\d+$/.test(segment) ? Number(segment) : segment.replace(/~1/g, "/").replace(/~0/g, "~");

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError & { validationContext?: string }, request, reply) => {
    if (error instanceof HooklaneError) {
      if (error.kind === "validation") {
        return reply.status(422).send({
          detail: [{ loc: error.location ?? ["body"], msg: error.message, type: "value_error" }],
        });
      }
      return reply.status(STATUS[error.kind]).send({ code: error.kind, detail: error.message });
    }
    if (error.validation) {
      return reply
        .status(422)
        .send(validationDetail(error.validationContext ?? "body", error.validation as AjvError[]));
    }
    const known = error.code ? FASTIFY_CODES[error.code] : undefined;
    if (known) return reply.status(known.status).send({ code: known.code, detail: known.detail ?? error.message });
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      return reply.status(error.statusCode).send({ code: "bad_request", detail: error.message });
    }
    request.log.error({ err: error }, "unhandled error");
    return reply.status(500).send({ code: "internal_error", detail: "Internal server error" });
  });

  app.setNotFoundHandler((request, reply) =>
    reply
      .status(404)
      .send({ code: "not_found", detail: `No route for ${request.method} ${request.url.split("?")[0]}` }),
  );
}
