import type { AppContext } from '../context.js';
import { endConsoleSessionsOf } from '../db/console-sessions-store.js';
import { recordBindingRelease } from '../db/push-store.js';
import { findUserRow } from '../db/users-store.js';
import { requireRole, type Actor } from './actor.js';
import { DomainError } from './errors.js';
import { endWechatSessions } from './wechat-sessions.js';

export interface ReleasedBinding {
  userId: string;
  /** false when no WeChat user was bound to them any more. */
  released: boolean;
}

/**
 * An admin unbinds the WeChat of a salesperson who left: the cloud function forgets the binding (their deliveries
 * answer NOT_BOUND, and that WeChat user may bind someone else), and the CRM shows them as not bound until WeChat shows
 * a binding again. Their mini-program sessions (POST /api/wechat-session) and console sessions end with it. A departed
 * salesperson cannot be asked to unbind from their phone.
 */
export async function releaseWechatBinding(ctx: AppContext, actor: Actor, userId: string): Promise<ReleasedBinding> {
  requireRole(actor, ['admin'], "release a user's WeChat binding");
  if (!(await findUserRow(ctx.db.kysely, userId))) throw new DomainError({ code: 'USER_NOT_FOUND', message: `No user with id ${userId}` });
  if (!ctx.cloudFunction) {
    throw new DomainError({ code: 'WECHAT_NOT_CONFIGURED', message: 'WeChat is not configured: set MINIPROGRAM_APPID, MINIPROGRAM_APPSECRET and MINIPROGRAM_CLOUD_ENV' });
  }
  const answer = await ctx.cloudFunction.releaseBinding(userId);
  if (!answer.ok) {
    throw new DomainError({ code: 'WECHAT_REFUSED', message: `the cloud function refused to release the binding: ${answer.error.message}`, details: { reason: answer.error.code } });
  }
  const now = new Date(ctx.clock.now());
  await recordBindingRelease(ctx.db.kysely, userId, now.toISOString());
  // Signed in with that WeChat, the phone would go on reading their customers until the session expired — and so would
  // a browser it signed in to the console by scanning (the phone lost, say): the user signs in again.
  const sessionsEnded = await endWechatSessions(ctx.db.kysely, userId, now);
  const consoleSessionsEnded = await endConsoleSessionsOf(ctx.db.kysely, userId, now.toISOString());
  ctx.logger.info({ userId, released: answer.released, sessionsEnded, consoleSessionsEnded }, "an admin released a user's WeChat binding");
  return { userId, released: answer.released };
}
