import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

const TOKEN_PREFIX = 'lnk_';

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Creates a bearer token for a user; returns it once. Only its hash is stored. */
export async function createApiToken(db: Kysely<Database>, userId: string, now: Date): Promise<string> {
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  await db
    .insertInto('api_tokens')
    .values({ id: randomUUID(), user_id: userId, token_hash: hashToken(token), created_at: now.toISOString() })
    .execute();
  return token;
}
