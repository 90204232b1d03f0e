import { createHmac, randomBytes } from 'node:crypto';
import type { AppContext } from '../context.js';
import { DomainError } from './errors.js';

/** Passed to the cloud function's bindCrmUser from the mini program. */
export interface BindingTicket {
  ticket: string;
  crmUserId: string;
  expiresAt: string;
}

/**
 * A short-lived, single-use statement "this mini-program user is CRM user X", which the cloud function's
 * bindCrmUser verifies with the same shared secret. Format (docs/cloud-function.md):
 * "v1." + base64url(JSON {uid, iat, exp, nonce}) + "." + base64url(HMAC-SHA256(secret, "leadnotify-bind.v1." + payload)).
 */
export function issueBindingTicket(ctx: AppContext, userId: string): BindingTicket {
  const secret = ctx.config.LEADNOTIFY_SHARED_SECRET;
  if (!secret) {
    throw new DomainError({
      code: 'BINDING_NOT_CONFIGURED',
      message: 'WeChat binding is not configured: set LEADNOTIFY_SHARED_SECRET on the API and the cloud function',
    });
  }
  const issuedAt = Math.floor(ctx.clock.now() / 1000);
  const expiresAt = issuedAt + ctx.config.BINDING_TICKET_TTL_SECONDS;
  const payload = Buffer.from(
    JSON.stringify({ uid: userId, iat: issuedAt, exp: expiresAt, nonce: randomBytes(16).toString('base64url') }),
  ).toString('base64url');
  const signature = createHmac('sha256', secret).update(`leadnotify-bind.v1.${payload}`).digest('base64url');
  return { ticket: `v1.${payload}.${signature}`, crmUserId: userId, expiresAt: new Date(expiresAt * 1000).toISOString() };
}
