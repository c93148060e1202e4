// Dashboard sessions: signing in with a token (the admin token, or an app-portal token from a
// magic link) sets a signed, HttpOnly, SameSite=Strict cookie. The cookie carries the token's
// hash, never the token, so the token's own checks (expiry, deletion) keep applying. Requests
// authenticated by the cookie must echo the session's CSRF token in a header when they change
// state; bearer-token clients send no cookie and are unaffected.
import { randomBytes, timingSafeEqual } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Clock } from "../lib/clock.js";
import { forbidden, unauthorized } from "../lib/errors.js";
import type { Authenticator, Principal } from "./auth.js";

export const SESSION_COOKIE = "hooklane_session";
export const CSRF_HEADER = "x-csrf-token";
/** An admin session lasts a working day; a portal session no longer than its token. */
const SESSION_TTL_MS = 12 * 3600 * 1000;
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

interface SessionData {
  /** SHA-256 of the token the session was started with. */
  h: string;
  csrf: string;
  /** Expiry, unix ms. */
  exp: number;
}

export interface SessionInfo {
  principal: Principal;
  csrfToken: string;
  expiresAt: number;
}

export class DashboardSessions {
  constructor(
    private readonly auth: Authenticator,
    private readonly clock: Clock,
  ) {}

  /** True when the request carries a session cookie (and no Authorization header wins over it). */
  applies(request: FastifyRequest): boolean {
    return request.headers.authorization === undefined && request.cookies[SESSION_COOKIE] !== undefined;
  }

  /** The principal of a cookie-authenticated request; checks the CSRF header on unsafe methods. */
  async authenticate(request: FastifyRequest): Promise<SessionInfo> {
    const session = this.read(request);
    if (!SAFE_METHODS.has(request.method) && !sameSecret(request.headers[CSRF_HEADER], session.csrf)) {
      throw forbidden(`Missing or wrong ${CSRF_HEADER} header: requests signed in by cookie must send it`);
    }
    const principal = await this.auth.authenticateHash(session.h);
    return { principal, csrfToken: session.csrf, expiresAt: session.exp };
  }

  /** Verifies `token` and sets the session cookie; returns what the page needs to know. */
  async start(token: string, request: FastifyRequest, reply: FastifyReply): Promise<SessionInfo> {
    const { principal, expiresAt, hash } = await this.auth.inspect(token);
    const exp = Math.min(this.clock.nowMs() + SESSION_TTL_MS, expiresAt ?? Number.POSITIVE_INFINITY);
    const data: SessionData = { h: hash, csrf: randomBytes(24).toString("base64url"), exp };
    reply.setCookie(SESSION_COOKIE, Buffer.from(JSON.stringify(data)).toString("base64url"), {
      signed: true,
      httpOnly: true,
      sameSite: "strict",
      secure: request.protocol === "https",
      path: "/",
      expires: new Date(exp),
    });
    return { principal, csrfToken: data.csrf, expiresAt: exp };
  }

  end(reply: FastifyReply): void {
    reply.clearCookie(SESSION_COOKIE, { path: "/" });
  }

  private read(request: FastifyRequest): SessionData {
    const raw = request.cookies[SESSION_COOKIE];
    const unsigned = raw === undefined ? null : request.unsignCookie(raw);
    if (!unsigned?.valid || unsigned.value === null) throw unauthorized("Invalid session: sign in again");
    let data: SessionData;
    try {
      data = JSON.parse(Buffer.from(unsigned.value, "base64url").toString("utf8")) as SessionData;
    } catch {
      throw unauthorized("Invalid session: sign in again");
    }
    if (!(data.exp > this.clock.nowMs())) throw unauthorized("Session expired: sign in again");
    return data;
  }
}

function sameSecret(given: string | string[] | undefined, expected: string): boolean {
  if (typeof given !== "string") return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
