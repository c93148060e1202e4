// Bearer-token authentication. The admin token may come from config (compared by hash in
// constant time) or from the tokens table; app tokens are scoped to one application.
import { hashToken, sameHash } from "../domain/tokens.js";
import type { Clock } from "../lib/clock.js";
import { forbidden, unauthorized } from "../lib/errors.js";
import type { Storage } from "../storage/contract.js";

/** The token of an `Authorization: Bearer <token>` header, if that is what it holds. */
const bearerToken = (authorization: string | undefined): string | undefined =>
  /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "")?.[1];

export type Principal = { kind: "admin" } | { kind: "app"; appId: string; tokenId: string };

/** How long a verified token is trusted without asking the database again. */
const CACHE_TTL_MS = 5000;
const CACHE_LIMIT = 1000;

export class Authenticator {
  private readonly configuredAdminHash: string | null;
  // Hashing and looking up the token on every request showed in profiles; a short-lived cache
  // keeps that off the hot path while revocations still take effect within seconds.
  private readonly cache = new Map<string, { principal: Principal; until: number; expiresAt: number | null }>();

  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
    configuredAdminToken: string | undefined,
  ) {
    this.configuredAdminHash = configuredAdminToken ? hashToken(configuredAdminToken) : null;
  }

  /**
   * The principal of a bearer token verified within the cache's lifetime, without waiting: the
   * common case, answered synchronously so the request hook needs no promise. Undefined means
   * "ask authenticate()".
   */
  cachedPrincipal(authorization: string | undefined): Principal | undefined {
    const token = bearerToken(authorization);
    return token === undefined ? undefined : this.fresh(token)?.principal;
  }

  /** The cache entry for `cacheKey` while neither the cache nor the token has expired. */
  private fresh(cacheKey: string): { principal: Principal; expiresAt: number | null } | undefined {
    const cached = this.cache.get(cacheKey);
    const now = this.clock.nowMs();
    return cached && cached.until > now && (cached.expiresAt === null || cached.expiresAt > now) ? cached : undefined;
  }

  /** Resolves the principal for an Authorization header, or throws unauthorized. */
  async authenticate(authorization: string | undefined): Promise<Principal> {
    const token = bearerToken(authorization);
    if (!token) throw unauthorized("Missing bearer token: send 'Authorization: Bearer <token>'");
    return (await this.resolve(token, () => hashToken(token))).principal;
  }

  /**
   * Resolves a token known only by its hash (a dashboard session carries the hash, never the
   * token), so an expired or deleted portal token ends its sessions too.
   */
  async authenticateHash(hash: string): Promise<Principal> {
    return (await this.resolve(`hash:${hash}`, () => hash)).principal;
  }

  /** The principal and expiry of a bearer token, for starting a dashboard session with it. */
  async inspect(token: string): Promise<{ principal: Principal; expiresAt: number | null; hash: string }> {
    const hash = hashToken(token);
    return { ...(await this.resolve(token, () => hash)), hash };
  }

  private async resolve(
    cacheKey: string,
    hash: () => string,
  ): Promise<{ principal: Principal; expiresAt: number | null }> {
    const now = this.clock.nowMs();
    const cached = this.fresh(cacheKey);
    if (cached) return cached;
    const verified = await this.verify(hash());
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(cacheKey, { ...verified, until: now + CACHE_TTL_MS });
    return verified;
  }

  /** Drops a token from the cache (after logout), so it stops working at once. */
  forget(authorization: string | undefined): void {
    const token = bearerToken(authorization);
    if (token) this.cache.delete(token);
  }

  private async verify(hash: string): Promise<{ principal: Principal; expiresAt: number | null }> {
    if (this.configuredAdminHash && sameHash(hash, this.configuredAdminHash)) {
      return { principal: { kind: "admin" }, expiresAt: null };
    }
    const stored = await this.storage.tokens.findByHash(hash);
    if (!stored || (stored.expiresAt !== null && stored.expiresAt <= this.clock.nowMs())) {
      throw unauthorized("Invalid or expired token");
    }
    const principal: Principal =
      stored.appId === null ? { kind: "admin" } : { kind: "app", appId: stored.appId, tokenId: stored.id };
    return { principal, expiresAt: stored.expiresAt };
  }
}

export function requireAdmin(principal: Principal): void {
  if (principal.kind !== "admin") throw forbidden("This operation needs an admin token");
}

export function requireApp(principal: Principal, appId: string): void {
  if (principal.kind === "app" && principal.appId !== appId)
    throw forbidden("This token belongs to another application");
}
