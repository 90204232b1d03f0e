import type { Request, RequestHandler } from 'express';
import type { AppContext } from '../context.js';
import type { Actor } from '../domain/actor.js';
import { actorForToken } from '../domain/api-tokens.js';
import { ApiError } from './api-error.js';
import { createAuthThrottle } from './auth-throttle.js';

declare global {
  namespace Express {
    interface Request {
      actor?: Actor;
    }
  }
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * Resolves `Authorization: Bearer <token>` to an active user, or answers 401. A client address with
 * AUTH_FAILURE_LIMIT failures within AUTH_FAILURE_WINDOW_SECONDS gets 429 with Retry-After until the window ends.
 */
export function authenticate(ctx: Pick<AppContext, 'db' | 'config' | 'clock'>): RequestHandler {
  const throttle = createAuthThrottle({ limit: ctx.config.AUTH_FAILURE_LIMIT, windowMs: ctx.config.AUTH_FAILURE_WINDOW_SECONDS * 1000, clock: ctx.clock });
  return async (req, res, next) => {
    const address = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    const retryAfter = throttle.retryAfterSeconds(address);
    if (retryAfter > 0) {
      res.setHeader('Retry-After', String(retryAfter));
      throw new ApiError({ code: 'TOO_MANY_FAILED_AUTHENTICATIONS', message: `Too many failed authentications from this address; retry in ${retryAfter} s` });
    }
    try {
      const match = BEARER.exec(req.headers.authorization ?? '');
      if (!match?.[1]) {
        throw new ApiError({ code: 'UNAUTHENTICATED', message: 'Send an API token as "Authorization: Bearer <token>"' });
      }
      req.actor = await actorForToken(ctx.db.kysely, match[1], new Date(ctx.clock.now()));
    } catch (error) {
      if ((error as { code?: unknown }).code === 'UNAUTHENTICATED') throttle.recordFailure(address);
      throw error;
    }
    next();
  };
}

export function actorOf(req: Request): Actor {
  if (!req.actor) throw new ApiError({ code: 'UNAUTHENTICATED', message: 'Authentication required' });
  return req.actor;
}
