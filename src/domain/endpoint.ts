// A new endpoint record with every field at its default; callers set what they know.
import { newId } from "../lib/ids.js";
import { OPEN_CONTROL, type Endpoint } from "./model.js";

export interface EndpointBasics {
  appId: string;
  url: string;
  secret: string;
  now: number;
  uid?: string | null;
  description?: string;
  headers?: Record<string, string>;
}

export function createEndpointRecord(basics: EndpointBasics): Endpoint {
  return {
    id: newId("endpoint"),
    appId: basics.appId,
    uid: basics.uid ?? null,
    url: basics.url,
    description: basics.description ?? "",
    version: 1,
    disabled: false,
    eventTypes: null,
    channels: null,
    rateLimit: null,
    metadata: {},
    headers: basics.headers ?? {},
    secret: basics.secret,
    retiredSecrets: [],
    failingSince: null,
    disabledReason: null,
    disabledAt: null,
    ordered: false,
    control: OPEN_CONTROL,
    verification: null,
    createdAt: basics.now,
    updatedAt: basics.now,
  };
}
