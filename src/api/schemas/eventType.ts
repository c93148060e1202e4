import { Type } from "typebox";
import { DateTime, EventTypeName, JsonObject, Opt, Uid } from "./common.js";

const fields = {
  description: Type.String(),
  schemas: Opt(JsonObject),
  archived: Opt(Type.Boolean()),
  deprecated: Opt(Type.Boolean()),
  featureFlag: Opt(Uid),
};

export const EventTypeIn = Type.Object({ name: EventTypeName, ...fields }, { $id: "EventTypeIn" });
export const EventTypeUpdate = Type.Object(fields, { $id: "EventTypeUpdate" });
export const EventTypePatch = Type.Object(
  { ...fields, description: Type.Optional(Type.String()) },
  { $id: "EventTypePatch" },
);
export const EventTypeOut = Type.Object(
  {
    name: Type.String(),
    description: Type.String(),
    schemas: Opt(JsonObject),
    archived: Type.Boolean(),
    deprecated: Type.Boolean(),
    featureFlag: Opt(Type.String()),
    createdAt: DateTime,
    updatedAt: DateTime,
  },
  { $id: "EventTypeOut" },
);
