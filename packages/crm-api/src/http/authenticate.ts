import type { Request, RequestHandler } from 'express';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Actor } from '../domain/actor.js';
import { actorForToken } from '../domain/api-tokens.js';
import { ApiError } from './api-error.js';

declare global {
  namespace Express {
    interface Request {
      actor?: Actor;
    }
  }
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/** Resolves `Authorization: Bearer <token>` to an active user, or answers 401. */
export function authenticate(db: Kysely<Database>): RequestHandler {
  return async (req, _res, next) => {
    const match = BEARER.exec(req.headers.authorization ?? '');
    if (!match?.[1]) {
      throw new ApiError({ code: 'UNAUTHENTICATED', message: 'Send an API token as "Authorization: Bearer <token>"' });
    }
    req.actor = await actorForToken(db, match[1]);
    next();
  };
}

export function actorOf(req: Request): Actor {
  if (!req.actor) throw new ApiError({ code: 'UNAUTHENTICATED', message: 'Authentication required' });
  return req.actor;
}
