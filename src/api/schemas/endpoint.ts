import { Type } from "typebox";
import { Channel, DateTime, EventTypeName, Metadata, Nullable, Opt, Uid } from "./common.js";

const Url = Type.String({ format: "uri", minLength: 1, maxLength: 65536 });
/** A symmetric secret (Svix's pattern) or an ed25519 `whsk_` key (checked further in domain/signing.ts). */
export const SecretString = Type.String({ pattern: "^((whsec_)?[a-zA-Z0-9+/=]{32,100}|whsk_[a-zA-Z0-9+/=]{40,100})$" });
const SignatureScheme = Type.Union([Type.Literal("hmac-sha256"), Type.Literal("ed25519")], {
  description:
    "How a generated secret signs: `hmac-sha256` (`v1`, default) or `ed25519` (`v1a`). A given secret's prefix decides instead.",
});
const rateLimit = Type.Integer({ minimum: 1, maximum: 65535 });
const filter = Type.Array(EventTypeName, { minItems: 1, uniqueItems: true });
const channels = Type.Array(Channel, { minItems: 1, maxItems: 10, uniqueItems: true });
export const Headers = Type.Record(Type.String(), Type.String());

const endpointFields = {
  url: Url,
  uid: Opt(Uid),
  description: Opt(Type.String()),
  version: Opt(Type.Integer({ minimum: 1 })),
  disabled: Opt(Type.Boolean()),
  filterTypes: Opt(filter),
  eventTypes: Opt(filter),
  channels: Opt(channels),
  rateLimit: Opt(rateLimit),
  throttleRate: Opt(rateLimit),
  metadata: Opt(Metadata),
  ordered: Opt(
    Type.Boolean({
      description:
        "Deliver in order: a message is not sent while an earlier one with the same orderingKey (or, without keys, any earlier one) is pending or retrying. Applies to messages published after the change.",
    }),
  ),
};

export const EndpointIn = Type.Object(
  { ...endpointFields, secret: Opt(SecretString), signatureScheme: Opt(SignatureScheme), headers: Opt(Headers) },
  { $id: "EndpointIn" },
);

export const EndpointUpdate = Type.Object(endpointFields, { $id: "EndpointUpdate" });

export const EndpointPatch = Type.Object(
  { ...endpointFields, url: Type.Optional(Url), secret: Opt(SecretString) },
  { $id: "EndpointPatch" },
);

export const EndpointHealth = Type.Object(
  {
    state: Type.Union([
      Type.Literal("healthy"),
      Type.Literal("failing"),
      Type.Literal("throttled"),
      Type.Literal("circuit_open"),
      Type.Literal("circuit_half_open"),
      Type.Literal("disabled"),
    ]),
    reason: Nullable(Type.String()),
    failingSince: Nullable(DateTime),
    disabledAt: Nullable(DateTime),
    circuitOpenedAt: Nullable(DateTime),
    /** When deliveries may flow again (next probe, end of a Retry-After). */
    pausedUntil: Nullable(DateTime),
    throttleRate: Nullable(Type.Number({ description: "Adaptive rate (messages/s) after 429/503" })),
  },
  { $id: "EndpointHealth" },
);

export const EndpointOut = Type.Object(
  {
    id: Type.String(),
    uid: Opt(Type.String()),
    url: Type.String(),
    description: Type.String(),
    version: Type.Integer(),
    disabled: Type.Boolean(),
    filterTypes: Opt(Type.Array(Type.String())),
    eventTypes: Opt(Type.Array(Type.String())),
    channels: Opt(Type.Array(Type.String())),
    rateLimit: Opt(Type.Integer()),
    throttleRate: Opt(Type.Integer()),
    metadata: Metadata,
    ordered: Type.Boolean(),
    health: EndpointHealth,
    verified: Type.Boolean({
      description: "false while the endpoint has not echoed its verification challenge; it receives nothing meanwhile",
    }),
    verificationError: Opt(Type.String({ description: "Why the last verification check failed" })),
    createdAt: DateTime,
    updatedAt: DateTime,
  },
  { $id: "EndpointOut" },
);

export const EndpointHeadersIn = Type.Object({ headers: Headers }, { $id: "EndpointHeadersIn" });
export const EndpointHeadersPatchIn = Type.Object(
  { headers: Type.Record(Type.String(), Nullable(Type.String())) },
  { $id: "EndpointHeadersPatchIn", description: "A null value removes the header." },
);
export const EndpointHeadersOut = Type.Object(
  { headers: Headers, sensitive: Type.Array(Type.String()) },
  { $id: "EndpointHeadersOut" },
);

export const EndpointSecretOut = Type.Object(
  {
    key: Type.String(),
    publicKey: Type.Optional(
      Type.String({ description: "With an ed25519 (`whsk_`) key: the `whpk_` public key receivers verify with." }),
    ),
  },
  { $id: "EndpointSecretOut" },
);
export const EndpointSecretRotateIn = Type.Object(
  {
    key: Opt(SecretString),
    signatureScheme: Opt(SignatureScheme),
    gracePeriodSeconds: Opt(Type.Integer({ minimum: 0, maximum: 604800 })),
  },
  { $id: "EndpointSecretRotateIn" },
);

/** The rotate body may be left out; one shared object, since two copies of a $id clash in Ajv. */
export const EndpointSecretRotateBody = Type.Optional(EndpointSecretRotateIn);

export const EndpointStats = Type.Object(
  {
    success: Type.Integer(),
    pending: Type.Integer(),
    sending: Type.Integer(),
    fail: Type.Integer(),
    canceled: Type.Integer(),
    health: EndpointHealth,
  },
  { $id: "EndpointStats" },
);

export const StatsQuery = Type.Object({ since: Opt(DateTime), until: Opt(DateTime) });

export const RecoverIn = Type.Object({ since: DateTime, until: Opt(DateTime) }, { $id: "RecoverIn" });
export const RecoverOut = Type.Object(
  {
    id: Type.String(),
    status: Type.Union([Type.Literal("running"), Type.Literal("finished"), Type.Literal("failed")]),
    task: Type.String(),
    updatedAt: DateTime,
  },
  { $id: "RecoverOut" },
);

export const EventExampleIn = Type.Object(
  { eventType: EventTypeName, exampleIndex: Opt(Type.Integer({ minimum: 0 })) },
  { $id: "EventExampleIn" },
);
