import { Type } from "typebox";
import { DateTime, Metadata, Opt, Uid } from "./common.js";

const rateLimit = Type.Integer({ minimum: 1, maximum: 65535 });
const endpointVerification = Type.Boolean({
  description:
    "New endpoints, and endpoints whose URL changes, must echo a signed challenge before they receive messages (docs/delivery.md).",
});

export const ApplicationIn = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    uid: Opt(Uid),
    rateLimit: Opt(rateLimit),
    throttleRate: Opt(rateLimit),
    metadata: Opt(Metadata),
    endpointVerification: Opt(endpointVerification),
  },
  { $id: "ApplicationIn" },
);

export const ApplicationPatch = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1 })),
    uid: Opt(Uid),
    rateLimit: Opt(rateLimit),
    throttleRate: Opt(rateLimit),
    metadata: Type.Optional(Metadata),
    endpointVerification: Opt(endpointVerification),
  },
  { $id: "ApplicationPatch" },
);

export const ApplicationOut = Type.Object(
  {
    id: Type.String(),
    uid: Opt(Type.String()),
    name: Type.String(),
    rateLimit: Opt(Type.Integer()),
    throttleRate: Opt(Type.Integer()),
    metadata: Metadata,
    endpointVerification: Type.Boolean(),
    createdAt: DateTime,
    updatedAt: DateTime,
  },
  { $id: "ApplicationOut" },
);
