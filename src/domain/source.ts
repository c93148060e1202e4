// Inbound sources: where other systems (Stripe, GitHub, Shopify, internal producers) send
// webhooks to Hooklane, how each request is authenticated, and where it is forwarded.

/** How a source authenticates the requests it receives. */
export const VERIFICATION_TYPES = [
  "standard-webhooks",
  "github",
  "stripe",
  "shopify",
  "hmac",
  "basic-auth",
  "bearer",
  "none",
] as const;
export type VerificationType = (typeof VERIFICATION_TYPES)[number];

export type HmacAlgorithm = "sha1" | "sha256" | "sha512";
export type SignatureEncoding = "hex" | "base64";

export interface SourceVerification {
  type: VerificationType;
  /** Signing secret, basic-auth password or bearer token; null for `none`. Sealed at rest. */
  secret: string | null;
  /** Generic HMAC: the header carrying the signature. */
  header?: string | undefined;
  algorithm?: HmacAlgorithm | undefined;
  encoding?: SignatureEncoding | undefined;
  /** Generic HMAC: text before the signature in the header, e.g. `sha256=`. */
  prefix?: string | undefined;
  /** Basic auth: the expected user name. */
  username?: string | undefined;
  /** Standard Webhooks and Stripe: how far the signed timestamp may be from now. */
  toleranceSeconds?: number | undefined;
}

/** Where the forwarded message's event type comes from. */
export type EventTypeRule =
  | { from: "fixed"; value: string }
  | { from: "header"; name: string; fallback?: string | undefined }
  | { from: "json"; path: string; fallback?: string | undefined };

export interface Source {
  id: string;
  uid: string | null;
  name: string;
  /** Destination: the application whose endpoints receive what arrives here. */
  appId: string;
  verification: SourceVerification;
  eventType: EventTypeRule;
  /** Header naming the producer's delivery id, for deduplication; null: the scheme's own. */
  deliveryIdHeader: string | null;
  /** Largest body accepted (bytes); null: the server's body limit. */
  maxBodyBytes: number | null;
  /** Requests per second (token bucket); null: unlimited. */
  rateLimit: number | null;
  /** Bucket size: requests accepted at once after a quiet spell; null: one second's worth. */
  rateBurst: number | null;
  /** Repeats of a delivery id within this window are answered as duplicates. */
  dedupeWindowSeconds: number;
  createdAt: number;
  updatedAt: number;
}

/** One request received by a source, kept exactly as it arrived. */
export interface InboundRequest {
  id: string;
  sourceId: string;
  /** Header names lower-cased, as Node reports them. */
  headers: Record<string, string>;
  body: Buffer;
  /** The producer's delivery id, when the request carried one. */
  deliveryId: string | null;
  eventType: string;
  /** The message it was forwarded as. */
  messageId: string;
  receivedAt: number;
}

export const DEFAULT_DEDUPE_WINDOW_SECONDS = 24 * 60 * 60;
/** Standard Webhooks' and Stripe's own default. */
export const DEFAULT_TOLERANCE_SECONDS = 5 * 60;

/** The event type rule a scheme's provider suggests, when the operator gives none. */
export function defaultEventTypeRule(type: VerificationType): EventTypeRule {
  switch (type) {
    case "github":
      return { from: "header", name: "x-github-event" };
    case "shopify":
      return { from: "header", name: "x-shopify-topic" };
    case "stripe":
    case "standard-webhooks":
      return { from: "json", path: "type" };
    default:
      return { from: "fixed", value: "inbound" };
  }
}
