import { randomBytes } from 'crypto';
import { SESSION_VOUCH_PREFIX, SESSION_VOUCH_TTL_SECONDS, type SessionVouchClaims } from '@leadnotify/contracts';
import { hmacSha256, toBase64Url } from './hmac.js';

/**
 * Signs a session vouch (contracts' session-vouch.ts has the format): the CRM exchanges it once for a CRM token of the
 * CRM user the caller's WeChat is bound to. Single-use by its random nonce, good for SESSION_VOUCH_TTL_SECONDS.
 */
export function signSessionVouch(secret: string, binding: { crmUserId: string; openid: string; boundAt: string }, nowMs: number): { vouch: string; expiresAtMs: number } {
  const iat = Math.floor(nowMs / 1000);
  const claims: SessionVouchClaims = {
    uid: binding.crmUserId,
    oid: binding.openid,
    bat: binding.boundAt,
    iat,
    exp: iat + SESSION_VOUCH_TTL_SECONDS,
    nonce: toBase64Url(randomBytes(16)),
  };
  const payload = toBase64Url(Buffer.from(JSON.stringify(claims), 'utf8'));
  return { vouch: `v1.${payload}.${toBase64Url(hmacSha256(secret, SESSION_VOUCH_PREFIX + payload))}`, expiresAtMs: claims.exp * 1000 };
}
