import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Trx } from '../db/transaction.js';
import { findUserByTokenHash, insertApiToken } from '../db/users-store.js';
import type { Actor } from './actor.js';
import { DomainError } from './errors.js';

const TOKEN_PREFIX = 'lnk_';

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Creates a bearer token for a user; returns it once. Only its hash is stored. */
export async function createApiToken(db: Trx, userId: string, now: Date): Promise<string> {
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  await insertApiToken(db, { id: randomUUID(), userId, tokenHash: hashToken(token), createdAt: now.toISOString() });
  return token;
}

/** The active user a bearer token belongs to. */
export async function actorForToken(db: Trx, token: string): Promise<Actor> {
  const user = await findUserByTokenHash(db, hashToken(token));
  if (!user || user.active !== 1) {
    throw new DomainError({ code: 'UNAUTHENTICATED', message: 'The API token is unknown, revoked, or its user is deactivated' });
  }
  return { id: user.id, name: user.name, role: user.role };
}
