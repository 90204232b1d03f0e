import { randomBytes } from 'node:crypto';
import { isWechatError } from '@leadnotify/wechat-client';
import type { AppContext } from '../context.js';
import { findScene, insertScene, useScene } from '../db/binding-scenes-store.js';
import { findUserRow } from '../db/users-store.js';
import { canManageAssignments, type Actor } from './actor.js';
import { issueBindingTicket, type BindingTicket } from './binding-ticket.js';
import { DomainError } from './errors.js';

const SCENE_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const SCENE_LENGTH = 16;

/** 16 random letters and digits (~95 bits): inside WeChat's 32-character scene, not guessable. */
export function newSceneCode(random: (size: number) => Buffer = randomBytes): string {
  // 248 is the largest multiple of 62 below 256: rejecting bytes above it keeps every character equally likely.
  let code = '';
  while (code.length < SCENE_LENGTH) {
    for (const byte of random(SCENE_LENGTH * 2)) {
      if (byte < 248 && code.length < SCENE_LENGTH) code += SCENE_ALPHABET[byte % 62];
    }
  }
  return code;
}

export interface BindingCode {
  /** The mini-program code, a PNG that opens the kit's bind page with `scene`. */
  png: Buffer;
  scene: string;
  expiresAt: string;
}

/**
 * A mini-program code for binding a salesperson's WeChat: the user themselves, or a manager for one of
 * their salespeople (to print or send). The scene inside is single-use and expires.
 */
export async function createBindingCode(ctx: AppContext, actor: Actor, userId: string): Promise<BindingCode> {
  if (userId !== actor.id && !canManageAssignments(actor)) {
    throw new DomainError({ code: 'FORBIDDEN', message: "Only managers and admins may fetch another user's binding code" });
  }
  const user = await findUserRow(ctx.db.kysely, userId);
  if (!user) throw new DomainError({ code: 'USER_NOT_FOUND', message: `No user with id ${userId}` });
  refuseInactive(user);
  if (!ctx.config.LEADNOTIFY_SHARED_SECRET) {
    throw new DomainError({ code: 'BINDING_NOT_CONFIGURED', message: 'WeChat binding is not configured: set LEADNOTIFY_SHARED_SECRET on the API and the cloud function' });
  }
  if (!ctx.wechat) {
    throw new DomainError({ code: 'WECHAT_NOT_CONFIGURED', message: 'WeChat is not configured: set MINIPROGRAM_APPID, MINIPROGRAM_APPSECRET and MINIPROGRAM_CLOUD_ENV' });
  }
  const nowMs = ctx.clock.now();
  const scene = newSceneCode();
  const expiresAt = new Date(nowMs + ctx.config.BINDING_SCENE_TTL_SECONDS * 1000).toISOString();
  await insertScene(ctx.db.kysely, { code: scene, user_id: userId, created_at: new Date(nowMs).toISOString(), expires_at: expiresAt, used_at: null });
  try {
    const png = await ctx.wechat.getUnlimitedQrCode({
      scene,
      page: ctx.config.WECHAT_BIND_PAGE,
      checkPath: ctx.config.WECHAT_QR_CHECK_PATH,
      envVersion: ctx.config.WECHAT_QR_ENV_VERSION,
    });
    return { png, scene, expiresAt };
  } catch (error) {
    if (!isWechatError(error)) throw error;
    // The message is WeChat's answer with the fix the reason table gives for it as this API's errcode (a 45009 here is
    // CODE_RATE_LIMITED: 5,000 codes a minute, not a daily quota); it carries no secret.
    throw new DomainError({ code: 'WECHAT_REFUSED', message: error.message, details: { reason: error.code, errcode: error.errcode }, cause: error });
  }
}

function refuseInactive(user: { name: string; active: number }): void {
  if (user.active !== 1) throw new DomainError({ code: 'USER_INACTIVE', message: `${user.name} is deactivated: their WeChat is not bound to the CRM` });
}

/**
 * What the kit's bind page does with a scanned code: exchanges it, once, for the binding ticket of the
 * user it was made for. The code itself is the credential — the person scanning is not signed in to the CRM.
 */
export async function exchangeBindingScene(ctx: AppContext, scene: string): Promise<BindingTicket> {
  const now = new Date(ctx.clock.now()).toISOString();
  if (!ctx.config.LEADNOTIFY_SHARED_SECRET) {
    throw new DomainError({ code: 'BINDING_NOT_CONFIGURED', message: 'WeChat binding is not configured: set LEADNOTIFY_SHARED_SECRET on the API and the cloud function' });
  }
  const scanned = await findScene(ctx.db.kysely, scene);
  if (!scanned) throw new DomainError({ code: 'SCENE_INVALID', message: 'This binding code is not one the CRM issued' });
  // A code printed before the salesperson left binds nobody: a departed salesperson's WeChat hears nothing.
  const user = await findUserRow(ctx.db.kysely, scanned.user_id);
  if (user) refuseInactive(user);
  const userId = await useScene(ctx.db.kysely, scene, now);
  if (userId) return issueBindingTicket(ctx, userId);
  // Read again: it may have been used a moment ago.
  if ((await findScene(ctx.db.kysely, scene))?.used_at) throw new DomainError({ code: 'SCENE_USED', message: 'This binding code was already used; ask for a new one' });
  throw new DomainError({ code: 'SCENE_EXPIRED', message: 'This binding code has expired; ask for a new one' });
}
