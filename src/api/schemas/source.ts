// Schemas of /api/v1/source: inbound sources and the requests they received.
import { Type } from "typebox";
import { VERIFICATION_TYPES } from "../../domain/source.js";
import { DateTime, EventTypeName, Opt, SourceIdParam, Uid } from "./common.js";

const HeaderName = Type.String({ pattern: "^[A-Za-z0-9!#$%&'*+.^_`|~-]+$", minLength: 1, maxLength: 256 });

export const VerificationIn = Type.Object(
  {
    type: Type.Union(
      VERIFICATION_TYPES.map((t) => Type.Literal(t)),
      { description: "How requests are authenticated." },
    ),
    secret: Opt(
      Type.String({
        minLength: 1,
        maxLength: 1024,
        description: "Signing secret; the password for basic-auth, the token for bearer. Not returned.",
      }),
    ),
    header: Opt(HeaderName),
    algorithm: Opt(Type.Union([Type.Literal("sha1"), Type.Literal("sha256"), Type.Literal("sha512")])),
    encoding: Opt(Type.Union([Type.Literal("hex"), Type.Literal("base64")])),
    prefix: Opt(Type.String({ maxLength: 64 })),
    username: Opt(Type.String({ minLength: 1, maxLength: 256 })),
    toleranceSeconds: Opt(Type.Integer({ minimum: 1, maximum: 86400 })),
  },
  { $id: "SourceVerificationIn", additionalProperties: false },
);

export const EventTypeRuleSchema = Type.Union(
  [
    Type.Object({ from: Type.Literal("fixed"), value: EventTypeName }, { additionalProperties: false }),
    Type.Object(
      { from: Type.Literal("header"), name: HeaderName, fallback: Type.Optional(EventTypeName) },
      { additionalProperties: false },
    ),
    Type.Object(
      {
        from: Type.Literal("json"),
        path: Type.String({ minLength: 1, maxLength: 256, description: "Dot path into the JSON body, e.g. data.type" }),
        fallback: Type.Optional(EventTypeName),
      },
      { additionalProperties: false },
    ),
  ],
  { $id: "SourceEventTypeRule" },
);

export const SourceIn = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 256 }),
    uid: Opt(Uid),
    appId: Type.String({ minLength: 1, maxLength: 256, description: "Application (id or uid) to forward to." }),
    verification: VerificationIn,
    eventType: Opt(EventTypeRuleSchema),
    deliveryIdHeader: Opt(HeaderName),
    maxBodyBytes: Opt(Type.Integer({ minimum: 1 })),
    rateLimit: Opt(Type.Integer({ minimum: 1, maximum: 100000, description: "Requests per second." })),
    rateBurst: Opt(Type.Integer({ minimum: 1, maximum: 100000 })),
    dedupeWindowSeconds: Opt(Type.Integer({ minimum: 0, maximum: 30 * 86400 })),
  },
  { $id: "SourceIn", additionalProperties: false },
);

const VerificationOut = Type.Object(
  {
    type: Type.String(),
    header: Opt(Type.String()),
    algorithm: Opt(Type.String()),
    encoding: Opt(Type.String()),
    prefix: Opt(Type.String()),
    username: Opt(Type.String()),
    toleranceSeconds: Opt(Type.Integer()),
  },
  { $id: "SourceVerificationOut" },
);

export const SourceOut = Type.Object(
  {
    id: Type.String(),
    uid: Opt(Type.String()),
    name: Type.String(),
    appId: Type.String(),
    ingestUrl: Type.String({ description: "Give this URL to the sender." }),
    verification: VerificationOut,
    eventType: EventTypeRuleSchema,
    deliveryIdHeader: Opt(Type.String()),
    maxBodyBytes: Opt(Type.Integer()),
    rateLimit: Opt(Type.Integer()),
    rateBurst: Opt(Type.Integer()),
    dedupeWindowSeconds: Type.Integer(),
    createdAt: DateTime,
    updatedAt: DateTime,
  },
  { $id: "SourceOut" },
);

export const InboundRequestOut = Type.Object(
  {
    id: Type.String(),
    sourceId: Type.String(),
    headers: Type.Record(Type.String(), Type.String()),
    body: Opt(Type.String({ description: "The body as text; null when it is not UTF-8." })),
    bodyBase64: Type.String({ description: "The exact bytes received." }),
    deliveryId: Opt(Type.String()),
    eventType: Type.String(),
    messageId: Type.String({ description: "The message it was first forwarded as." }),
    receivedAt: DateTime,
  },
  { $id: "InboundRequestOut" },
);

export const ReplayOut = Type.Object({ messageId: Type.String() }, { $id: "InboundReplayOut" });

export const InboundRequestParams = Type.Object({ source_id: Uid, request_id: Uid });
export { SourceIdParam as SourceParams };
