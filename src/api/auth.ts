// Bearer-token authentication. The admin token may come from config (compared by hash in
// constant time) or from the tokens table; app tokens are scoped to one application.
import { hashToken, sameHash } from "../domain/tokens.js";
import type { Clock } from "../lib/clock.js";
import { forbidden, unauthorized } from "../lib/errors.js";
import type { Storage } from "../storage/contract.js";

export type Principal = { kind: "admin" } | { kind: "app"; appId: string; tokenId: string };

export class Authenticator {
  private readonly configuredAdminHash: string | null;

  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
    configuredAdminToken: string | undefined,
  ) {
    this.configuredAdminHash = configuredAdminToken ? hashToken(configuredAdminToken) : null;
  }

  /** Resolves the principal for an Authorization header, or throws unauthorized. */
  async authenticate(authorization: string | undefined): Promise<Principal> {
    const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "")?.[1];
    if (!token) throw unauthorized("Missing bearer token: send 'Authorization: Bearer <token>'");
    const hash = hashToken(token);
    if (this.configuredAdminHash && sameHash(hash, this.configuredAdminHash)) return { kind: "admin" };
    const stored = await this.storage.tokens.findByHash(hash);
    if (!stored || (stored.expiresAt !== null && stored.expiresAt <= this.clock.nowMs())) {
      throw unauthorized("Invalid or expired token");
    }
    return stored.appId === null ? { kind: "admin" } : { kind: "app", appId: stored.appId, tokenId: stored.id };
  }
}

export function requireAdmin(principal: Principal): void {
  if (principal.kind !== "admin") throw forbidden("This operation needs an admin token");
}

export function requireApp(principal: Principal, appId: string): void {
  if (principal.kind === "app" && principal.appId !== appId)
    throw forbidden("This token belongs to another application");
}
