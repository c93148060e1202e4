// Schema pieces shared by every route: ids, paging, errors, time stamps.
import { Type, type TSchema } from "typebox";

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
/** Optional and nullable, as Svix clients send either form for "not set". */
export const Opt = <T extends TSchema>(schema: T) => Type.Optional(Nullable(schema));

const IDENTIFIER = "^[a-zA-Z0-9\\-_.]+$";
export const Uid = Type.String({ pattern: IDENTIFIER, minLength: 1, maxLength: 256 });
export const EventTypeName = Type.String({ pattern: IDENTIFIER, minLength: 1, maxLength: 256 });
export const Channel = Type.String({ pattern: IDENTIFIER, minLength: 1, maxLength: 128 });
export const Metadata = Type.Record(Type.String(), Type.String());
export const DateTime = Type.String({ format: "date-time" });
export const JsonObject = Type.Record(Type.String(), Type.Unknown());

export const MessageStatusSchema = Type.Union([Type.Literal(0), Type.Literal(1), Type.Literal(2), Type.Literal(3)], {
  description: "0 success, 1 pending, 2 fail, 3 sending",
});
export const StatusText = Type.Union([
  Type.Literal("success"),
  Type.Literal("pending"),
  Type.Literal("fail"),
  Type.Literal("sending"),
]);

export const PagingQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 250, default: 50 })),
  iterator: Opt(Type.String({ maxLength: 300 })),
  order: Opt(Type.Union([Type.Literal("ascending"), Type.Literal("descending")])),
};

export const ListResponse = <T extends TSchema>(item: T, name: string) =>
  Type.Object(
    {
      data: Type.Array(item),
      iterator: Nullable(Type.String()),
      prevIterator: Nullable(Type.String()),
      done: Type.Boolean(),
    },
    { $id: `ListResponse_${name}_` },
  );

export const HttpErrorOut = Type.Object(
  { code: Type.String(), detail: Type.String() },
  { $id: "HttpErrorOut", description: "Every error other than a validation failure." },
);

export const ValidationErrorOut = Type.Object(
  {
    detail: Type.Array(
      Type.Object({
        loc: Type.Array(Type.Union([Type.String(), Type.Integer()])),
        msg: Type.String(),
        type: Type.String(),
      }),
    ),
  },
  { $id: "HTTPValidationError" },
);

/** Error responses most routes can give, for the OpenAPI document. */
export const errorResponses = {
  401: HttpErrorOut,
  403: HttpErrorOut,
  404: HttpErrorOut,
  409: HttpErrorOut,
  422: ValidationErrorOut,
};

export const AppParams = Type.Object({ app_id: Uid });
export const EndpointParams = Type.Object({ app_id: Uid, endpoint_id: Uid });
export const MessageParams = Type.Object({ app_id: Uid, msg_id: Uid });
export const SourceIdParam = Type.Object({ source_id: Uid });
