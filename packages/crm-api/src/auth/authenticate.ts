import type { RequestHandler } from 'express';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { ApiError } from '../http/api-error.js';
import { hashToken } from './api-tokens.js';

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/** Resolves `Authorization: Bearer <token>` to an active user, or answers 401. */
export function authenticate(db: Kysely<Database>): RequestHandler {
  return async (req, _res, next) => {
    const match = BEARER.exec(req.headers.authorization ?? '');
    if (!match?.[1]) {
      throw new ApiError({ code: 'UNAUTHENTICATED', message: 'Send an API token as "Authorization: Bearer <token>"' });
    }
    const user = await db
      .selectFrom('api_tokens')
      .innerJoin('users', 'users.id', 'api_tokens.user_id')
      .select(['users.id', 'users.name', 'users.role', 'users.active'])
      .where('api_tokens.token_hash', '=', hashToken(match[1]))
      .executeTakeFirst();
    if (!user || user.active !== 1) {
      throw new ApiError({ code: 'UNAUTHENTICATED', message: 'The API token is unknown, revoked, or its user is deactivated' });
    }
    req.actor = { id: user.id, name: user.name, role: user.role };
    next();
  };
}
