import type { Request, RequestHandler } from 'express';
import type { AppContext } from '../context.js';
import type { Actor } from '../domain/actor.js';
import { bearerOfToken } from '../domain/api-tokens.js';
import type { ApiTokenKind } from '../db/schema.js';
import { consoleSessionFor, csrfTokenMatches, type ConsoleSession } from '../domain/console-sessions.js';
import { ApiError } from './api-error.js';
import { clientKeyOf, createWindowCounter } from './window-counter.js';
import { clearConsoleCookie, readConsoleCookie } from './console-cookie.js';

declare global {
  namespace Express {
    interface Request {
      actor?: Actor;
      /** Set when the request was authenticated by the console's cookie, not a bearer token. */
      consoleSession?: ConsoleSession;
      /** The kind of the bearer token the request was authenticated by (`wechat`: a mini-program session). */
      tokenKind?: ApiTokenKind;
    }
  }
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;
const noCredential = () => new ApiError({ code: 'UNAUTHENTICATED', message: 'Send an API token as "Authorization: Bearer <token>", or sign in to the console' });
/** The 401s of a token that exists: not counted as failures, never throttled. */
const KNOWN_TOKEN_REASONS = new Set(['expired', 'revoked', 'user_deactivated']);
/** Methods that change nothing: a cookie request may make them without the CSRF token. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Resolves `Authorization: Bearer <token>` to an active user, else the console's session cookie, or answers 401. A
 * client address (an IPv6 /64) with AUTH_FAILURE_LIMIT unknown bearer tokens within AUTH_FAILURE_WINDOW_SECONDS gets
 * 429 with Retry-After for each further one until the window ends; valid tokens from it keep working, and a token the
 * CRM issued that expired or was revoked is always told so. A cookie request that changes something must carry the session's CSRF token in
 * X-CSRF-Token (403 CSRF_REJECTED otherwise): SameSite=Strict already keeps other sites' requests from carrying the
 * cookie, and this holds where a browser does not honour it.
 */
export function authenticate(ctx: Pick<AppContext, 'db' | 'config' | 'clock'>): RequestHandler {
  const failures = createWindowCounter({ limit: ctx.config.AUTH_FAILURE_LIMIT, windowMs: ctx.config.AUTH_FAILURE_WINDOW_SECONDS * 1000, clock: ctx.clock });
  return async (req, res, next) => {
    const address = clientKeyOf(req);
    const authorization = req.headers.authorization;
    const cookie = readConsoleCookie(req, ctx.config);
    if (authorization === undefined && cookie !== undefined) {
      let session: ConsoleSession;
      try {
        session = await consoleSessionFor(ctx, cookie);
      } catch (error) {
        // Not counted as a failure: a session id is 256 random bits, and a browser holding an expired one would
        // otherwise lock its whole address out. Cleared, so the browser stops sending it.
        if ((error as { code?: unknown }).code === 'UNAUTHENTICATED') clearConsoleCookie(req, res, ctx.config);
        throw error;
      }
      if (!SAFE_METHODS.has(req.method) && !csrfTokenMatches(session, req.get('x-csrf-token'))) {
        throw new ApiError({ code: 'CSRF_REJECTED', message: 'A console request that changes something must send the session\'s csrfToken (GET /api/console/session) in X-CSRF-Token' });
      }
      req.actor = session.user;
      req.consoleSession = session;
      next();
      return;
    }
    // No credential at all (the console's first look for a session, a browser before sign-in) is no guess: its 401 is
    // never counted, or an office loading the sign-in page would lock itself out of it.
    if (authorization === undefined) {
      throw noCredential();
    }
    try {
      const match = BEARER.exec(authorization);
      if (!match?.[1]) {
        throw noCredential();
      }
      const bearer = await bearerOfToken(ctx.db.kysely, match[1], new Date(ctx.clock.now()));
      req.actor = bearer.actor;
      req.tokenKind = bearer.kind;
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'UNAUTHENTICATED') throw error;
      // A token the CRM issued (expired, revoked, its user deactivated) is no guess: always its 401 with the reason, so a
      // phone behind a guesser's NAT still learns to sign in again.
      if (KNOWN_TOKEN_REASONS.has(String((error as { details?: { reason?: unknown } }).details?.reason))) throw error;
      // A throttled address is refused only what fails: a valid token from it still works, so one guesser behind an
      // office NAT or a load balancer does not lock out everyone sharing the address. A token is 256 random bits;
      // the throttle slows guessing down and keeps the failures out of the logs' way, it is not what makes it hopeless.
      const retryAfter = failures.retryAfterSeconds(address);
      failures.count(address);
      if (retryAfter > 0) {
        res.setHeader('Retry-After', String(retryAfter));
        throw new ApiError({ code: 'TOO_MANY_FAILED_AUTHENTICATIONS', message: `Too many failed authentications from this address; retry in ${retryAfter} s` });
      }
      throw error;
    }
    next();
  };
}

export function actorOf(req: Request): Actor {
  if (!req.actor) throw new ApiError({ code: 'UNAUTHENTICATED', message: 'Authentication required' });
  return req.actor;
}
