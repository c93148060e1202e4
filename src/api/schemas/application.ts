import { Type } from "typebox";
import { DateTime, Metadata, Opt, Uid } from "./common.js";

const rateLimit = Type.Integer({ minimum: 1, maximum: 65535 });

export const ApplicationIn = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    uid: Opt(Uid),
    rateLimit: Opt(rateLimit),
    throttleRate: Opt(rateLimit),
    metadata: Opt(Metadata),
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
    createdAt: DateTime,
    updatedAt: DateTime,
  },
  { $id: "ApplicationOut" },
);
