import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { AppContext } from '../context.js';
import type { ApiTokenKind, ApiTokenRow } from '../db/schema.js';
import type { Trx } from '../db/transaction.js';
import { findApiTokenRow, findTokenByHash, insertApiToken, listApiTokenRows, revokeApiTokenRow, touchApiToken } from '../db/users-store.js';
import { requireRole, type Actor } from './actor.js';
import { DomainError } from './errors.js';

const TOKEN_PREFIX = 'lnk_';
const DAY_MS = 86_400_000;
/** last_used_at is written at most this often per token: not a write per request. */
export const LAST_USED_RESOLUTION_MS = 60_000;
export const DEFAULT_TOKEN_TTL_DAYS = 90;

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export interface ApiTokenView {
  id: string;
  userId: string;
  createdAt: string;
  expiresAt: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

function toTokenView(row: ApiTokenRow): ApiTokenView {
  return { id: row.id, userId: row.user_id, createdAt: row.created_at, expiresAt: row.expires_at, revokedAt: row.revoked_at, lastUsedAt: row.last_used_at };
}

/** A mini-program session token (domain/wechat-sessions.ts): short-lived, tied to the openid it was issued to. */
export interface WechatSessionToken {
  openid: string;
  ttlSeconds: number;
}

/**
 * Creates a bearer token for a user, valid `ttlDays` (or, for a `wechat` session, its `ttlSeconds`); returns it once.
 * Only its hash is stored.
 */
export async function createApiToken(db: Trx, userId: string, now: Date, options: { ttlDays?: number; wechat?: WechatSessionToken } = {}): Promise<string> {
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  const ttlMs = options.wechat ? options.wechat.ttlSeconds * 1000 : (options.ttlDays ?? DEFAULT_TOKEN_TTL_DAYS) * DAY_MS;
  const expiresAt = new Date(now.getTime() + ttlMs).toISOString();
  await insertApiToken(db, {
    id: randomUUID(),
    userId,
    tokenHash: hashToken(token),
    createdAt: now.toISOString(),
    expiresAt,
    kind: options.wechat ? 'wechat' : 'api',
    openid: options.wechat?.openid ?? null,
  });
  return token;
}

/**
 * The active user a bearer token belongs to, and the token's kind (`wechat`: a mini-program session; `api`: made by
 * an admin or the CLI); a 401 says whether the token is unknown, revoked or expired, or its user deactivated. Records
 * the use at most once a minute per token.
 */
export async function bearerOfToken(db: Trx, token: string, now: Date = new Date()): Promise<{ actor: Actor; kind: ApiTokenKind }> {
  const found = await findTokenByHash(db, hashToken(token));
  if (!found) throw new DomainError({ code: 'UNAUTHENTICATED', message: 'The API token is unknown' });
  if (found.revoked_at) throw new DomainError({ code: 'UNAUTHENTICATED', message: `The API token was revoked at ${found.revoked_at}`, details: { reason: 'revoked' } });
  if (found.expires_at <= now.toISOString()) {
    throw new DomainError({
      code: 'UNAUTHENTICATED',
      message:
        found.kind === 'wechat'
          ? `The mini-program session expired at ${found.expires_at}; the mini program signs in again by itself`
          : `The API token expired at ${found.expires_at}; create a new one (pnpm cli token:create)`,
      details: { reason: 'expired' },
    });
  }
  if (found.active !== 1) throw new DomainError({ code: 'UNAUTHENTICATED', message: 'The user of this API token is deactivated', details: { reason: 'user_deactivated' } });
  const staleBefore = new Date(now.getTime() - LAST_USED_RESOLUTION_MS).toISOString();
  if (!found.last_used_at || found.last_used_at < staleBefore) await touchApiToken(db, found.token_id, now.toISOString(), staleBefore);
  return { actor: { id: found.id, name: found.name, role: found.role }, kind: found.kind };
}

export async function listApiTokens(ctx: AppContext, actor: Actor, filter: { userId?: string | undefined }): Promise<ApiTokenView[]> {
  requireRole(actor, ['admin'], 'list API tokens');
  return (await listApiTokenRows(ctx.db.kysely, filter)).map(toTokenView);
}

/** Revokes one token; revoking a revoked token keeps its first revocation time. */
export async function revokeApiToken(ctx: AppContext, actor: Actor, id: string): Promise<ApiTokenView> {
  requireRole(actor, ['admin'], 'revoke API tokens');
  const db = ctx.db.kysely;
  if (!(await findApiTokenRow(db, id))) throw new DomainError({ code: 'TOKEN_NOT_FOUND', message: `No API token with id ${id}` });
  await revokeApiTokenRow(db, id, new Date(ctx.clock.now()).toISOString());
  return toTokenView((await findApiTokenRow(db, id)) as ApiTokenRow);
}
