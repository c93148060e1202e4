import { Type } from "typebox";
import { Channel, DateTime, EventTypeName, JsonObject, MessageStatusSchema, Opt, StatusText, Uid } from "./common.js";
import { ApplicationIn } from "./application.js";
import { EndpointOut } from "./endpoint.js";

const channels = Type.Array(Channel, { minItems: 1, maxItems: 5, uniqueItems: true });

/** type/subtype, optional parameters; no line breaks (it becomes a header). */
const MEDIA_TYPE = "^[!#$%&'*+.^_`|~0-9A-Za-z-]+/[!#$%&'*+.^_`|~0-9A-Za-z-]+( *;[^\\r\\n]*)?$";

/** Svix's way to send a body that is not JSON (its SDKs' `messageInRaw`). */
const TransformationsParams = Type.Object(
  {
    rawPayload: Type.Optional(
      Type.String({ description: "Sent as the request body exactly, UTF-8 encoded, instead of `payload`" }),
    ),
    headers: Type.Optional(
      Type.Object(
        { "content-type": Type.Optional(Type.String({ pattern: MEDIA_TYPE, maxLength: 256 })) },
        {
          additionalProperties: false,
          description: "Only `content-type` (default application/json), the type the raw body is sent with",
        },
      ),
    ),
  },
  { additionalProperties: false },
);

export const MessageIn = Type.Object(
  {
    eventType: EventTypeName,
    payload: JsonObject,
    eventId: Opt(Uid),
    channels: Opt(channels),
    tags: Opt(Type.Array(Uid, { maxItems: 5 })),
    deliverAt: Opt(DateTime),
    payloadRetentionPeriod: Opt(Type.Integer({ minimum: 1 })),
    payloadRetentionHours: Opt(Type.Integer({ minimum: 1 })),
    application: Opt(ApplicationIn),
    orderingKey: Opt(
      Type.String({
        minLength: 1,
        maxLength: 256,
        description: "At endpoints that deliver in order, messages with the same key arrive in the order accepted.",
      }),
    ),
    transformationsParams: Opt(TransformationsParams),
  },
  { $id: "MessageIn" },
);

const messageFields = {
  id: Type.String(),
  eventType: Type.String(),
  eventId: Opt(Type.String()),
  channels: Opt(Type.Array(Type.String())),
  tags: Opt(Type.Array(Type.String())),
  payload: JsonObject,
  transformationsParams: Type.Optional(
    Type.Object({
      rawPayload: Type.String(),
      headers: Type.Object({ "content-type": Type.String() }),
    }),
  ),
  timestamp: DateTime,
  orderingKey: Opt(Type.String()),
};

export const MessageOut = Type.Object(messageFields, { $id: "MessageOut" });

export const EndpointMessageOut = Type.Object(
  { ...messageFields, status: MessageStatusSchema, statusText: StatusText, nextAttempt: Opt(DateTime) },
  { $id: "EndpointMessageOut" },
);

export const MessageEndpointOut = Type.Object(
  {
    ...EndpointOut.properties,
    status: MessageStatusSchema,
    statusText: StatusText,
    nextAttempt: Opt(DateTime),
  },
  { $id: "MessageEndpointOut" },
);

export const MessageAttemptOut = Type.Object(
  {
    id: Type.String(),
    msgId: Type.String(),
    endpointId: Type.String(),
    url: Type.String(),
    response: Type.String(),
    responseStatusCode: Type.Integer(),
    responseDurationMs: Type.Integer(),
    status: MessageStatusSchema,
    statusText: StatusText,
    triggerType: Type.Union([Type.Literal(0), Type.Literal(1)], { description: "0 scheduled, 1 manual" }),
    timestamp: DateTime,
    msg: Type.Optional(MessageOut),
  },
  { $id: "MessageAttemptOut" },
);

export const FilterQuery = {
  before: Opt(DateTime),
  after: Opt(DateTime),
  channel: Opt(Channel),
  event_types: Opt(Type.Array(Type.String())),
  with_content: Type.Optional(Type.Boolean({ default: true })),
};
