// SourceIn → a Source record: the cross-field rules the schema cannot say (which settings
// each verification scheme needs), reported as 422s naming the field.
import type { Static } from "typebox";
import {
  DEFAULT_DEDUPE_WINDOW_SECONDS,
  defaultEventTypeRule,
  type Source,
  type SourceVerification,
} from "../domain/source.js";
import { invalid } from "../lib/errors.js";
import { newId } from "../lib/ids.js";
import type { SourceIn } from "./schemas/source.js";

type Input = Static<typeof SourceIn>;

function verificationFrom(input: Input["verification"]): SourceVerification {
  const at = (field: string): string[] => ["body", "verification", field];
  if (input.type !== "none" && !input.secret) throw invalid(at("secret"), `a ${input.type} source needs a secret`);
  if (input.type === "basic-auth" && !input.username) throw invalid(at("username"), "basic-auth needs a username");
  if (input.type === "hmac" && !input.header) throw invalid(at("header"), "hmac needs the signature header's name");
  return {
    type: input.type,
    secret: input.type === "none" ? null : input.secret!,
    header: input.header?.toLowerCase() ?? undefined,
    algorithm: input.algorithm ?? undefined,
    encoding: input.encoding ?? undefined,
    prefix: input.prefix ?? undefined,
    username: input.username ?? undefined,
    toleranceSeconds: input.toleranceSeconds ?? undefined,
  };
}

/** A new record from `input`, or `existing` replaced by it (PUT), keeping id and creation time. */
export function sourceFromInput(input: Input, appId: string, now: number, existing?: Source): Source {
  const verification = verificationFrom(input.verification);
  const eventType = input.eventType ?? defaultEventTypeRule(verification.type);
  return {
    id: existing?.id ?? newId("source"),
    uid: input.uid ?? null,
    name: input.name,
    appId,
    verification,
    eventType: eventType.from === "header" ? { ...eventType, name: eventType.name.toLowerCase() } : eventType,
    deliveryIdHeader: input.deliveryIdHeader?.toLowerCase() ?? null,
    maxBodyBytes: input.maxBodyBytes ?? null,
    rateLimit: input.rateLimit ?? null,
    rateBurst: input.rateBurst ?? null,
    dedupeWindowSeconds: input.dedupeWindowSeconds ?? DEFAULT_DEDUPE_WINDOW_SECONDS,
    createdAt: existing?.createdAt ?? now,
    updatedAt: now,
  };
}
