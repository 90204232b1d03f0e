import { createHmac, timingSafeEqual } from 'node:crypto';
import { DAY_MS, SESSION_VOUCH_CLOCK_SKEW_SECONDS, SESSION_VOUCH_PREFIX, SESSION_VOUCH_TTL_SECONDS, sessionVouchClaimsSchema, type SessionVouchClaims } from '@leadnotify/contracts';
import type { AppContext } from '../context.js';
import { findBindingRelease, forgetExpiredVouches, rememberVouch } from '../db/wechat-sessions-store.js';
import { deleteWechatTokensExpiredBefore, findUserRow, revokeWechatTokensOf } from '../db/users-store.js';
import { transactionWithRetry } from '../db/transaction.js';
import type { Trx } from '../db/transaction.js';
import type { Role } from './roles.js';
import { createApiToken } from './api-tokens.js';
import { DomainError } from './errors.js';

/** Why a vouch was refused, as `details.reason` of the 401: the kit and an operator can tell them apart. */
export type VouchRefusal = 'malformed' | 'forged' | 'expired' | 'replayed' | 'unknown_user' | 'user_deactivated' | 'binding_released';

export interface WechatSession {
  token: string;
  expiresAt: string;
  user: { id: string; name: string; role: Role };
}

function refuse(reason: VouchRefusal, message: string): DomainError {
  return new DomainError({ code: 'UNAUTHENTICATED', message, details: { reason } });
}

/** The vouch's claims when the cloud function signed it with the shared secret (contracts' session-vouch.ts). */
export function verifyVouchSignature(vouch: string, secret: string): SessionVouchClaims {
  const parts = vouch.split('.');
  if (parts.length !== 3 || parts[0] !== 'v1' || !parts[1] || !parts[2]) throw refuse('malformed', 'The vouch is not one the cloud function makes');
  const [, payload, signature] = parts as [string, string, string];
  const expected = createHmac('sha256', secret).update(SESSION_VOUCH_PREFIX + payload).digest();
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw refuse('forged', 'The vouch is not signed with the shared secret');
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    throw refuse('malformed', 'The vouch is signed but its claims are not JSON');
  }
  const claims = sessionVouchClaimsSchema.safeParse(json);
  if (!claims.success) throw refuse('malformed', 'The vouch is signed but its claims are incomplete');
  return claims.data;
}

const EXPIRED_TOKENS_KEPT_MS = DAY_MS;

/**
 * The mini program signs in with the WeChat the salesperson bound: the cloud function vouched that the caller's openid is
 * bound to a CRM user, and this exchanges that vouch, once and while fresh, for a CRM token of that user valid
 * WECHAT_SESSION_TTL_SECONDS. Refused (401, `details.reason`) when the signature is wrong, the vouch is stale or used,
 * the user is gone or deactivated, or an admin released the binding at or after the vouch was issued (within the clock
 * difference tolerated: a binding made again in that minute waits it out). Refusals change nothing.
 */
export async function exchangeSessionVouch(ctx: AppContext, vouch: string): Promise<WechatSession> {
  const secret = ctx.config.LEADNOTIFY_SHARED_SECRET;
  if (!secret) {
    throw new DomainError({ code: 'BINDING_NOT_CONFIGURED', message: 'WeChat sign-in is not configured: set LEADNOTIFY_SHARED_SECRET on the API and the cloud function' });
  }
  const claims = verifyVouchSignature(vouch, secret);
  const nowMs = ctx.clock.now();
  const nowSeconds = Math.floor(nowMs / 1000);
  if (claims.iat > nowSeconds + SESSION_VOUCH_CLOCK_SKEW_SECONDS || claims.exp - claims.iat > SESSION_VOUCH_TTL_SECONDS) {
    throw refuse('malformed', 'The vouch times are not plausible');
  }
  if (claims.exp <= nowSeconds) throw refuse('expired', 'The vouch expired; the mini program asks the cloud function for a new one');
  const db = ctx.db.kysely;
  const user = await findUserRow(db, claims.uid);
  if (!user) throw refuse('unknown_user', 'The vouch names no CRM user');
  if (user.active !== 1) throw refuse('user_deactivated', `${user.name} is deactivated`);
  const release = await findBindingRelease(db, claims.uid);
  if (release && Date.parse(release.released_at) >= (claims.iat - SESSION_VOUCH_CLOCK_SKEW_SECONDS) * 1000) {
    throw refuse('binding_released', `An admin released this user's WeChat binding at ${release.released_at}; bind again with a new binding code`);
  }
  const now = new Date(nowMs);
  const token = await transactionWithRetry(db, async (trx) => {
    await forgetExpiredVouches(trx, now.toISOString());
    const fresh = await rememberVouch(trx, { nonce: claims.nonce, user_id: claims.uid, used_at: now.toISOString(), expires_at: new Date(claims.exp * 1000).toISOString() });
    if (!fresh) throw refuse('replayed', 'The vouch was already exchanged; the mini program asks the cloud function for a new one');
    // Every sign-in and renewal makes a token: those a day past expiry (no longer worth a 401 saying "expired") go.
    await deleteWechatTokensExpiredBefore(trx, claims.uid, new Date(nowMs - EXPIRED_TOKENS_KEPT_MS).toISOString());
    return createApiToken(trx, claims.uid, now, { wechat: { openid: claims.oid, ttlSeconds: ctx.config.WECHAT_SESSION_TTL_SECONDS } });
  });
  ctx.logger.info({ userId: claims.uid }, 'a salesperson signed in with their WeChat');
  return {
    token,
    expiresAt: new Date(nowMs + ctx.config.WECHAT_SESSION_TTL_SECONDS * 1000).toISOString(),
    user: { id: user.id, name: user.name, role: user.role },
  };
}

/** Their WeChat is no longer bound to the CRM: every mini-program session of theirs ends now. Answers how many did. */
export async function endWechatSessions(db: Trx, userId: string, now: Date): Promise<number> {
  return revokeWechatTokensOf(db, userId, now.toISOString());
}
