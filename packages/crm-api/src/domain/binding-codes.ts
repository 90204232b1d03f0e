import { randomBytes } from 'node:crypto';
import { isWechatError } from '@leadnotify/wechat-client';
import type { AppContext } from '../context.js';
import { countScenesSince, deleteScenesExpiredBefore, expireUnusedScenes, findScene, insertScene, useScene } from '../db/binding-scenes-store.js';
import { findUserRow } from '../db/users-store.js';
import { requireRole, type Actor } from './actor.js';
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
 * Codes made for one user in an hour, at most: each one spends WeChat's 5,000-codes-a-minute quota, shared by the
 * whole mini program, and one valid code is all anybody needs.
 */
export const BINDING_CODES_PER_USER_HOUR = 10;
const HOUR_MS = 3_600_000;
/** How long an expired code is remembered: a late scan is told "expired, ask for a new one", not "unknown". */
const EXPIRED_KEPT_MS = 24 * HOUR_MS;
const DAY_MS = 24 * HOUR_MS;
export const INVITE_MAX_DAYS = 14;

/**
 * Who may have a code for whom: anyone for themselves; a manager for a salesperson (to show, print or send); an admin
 * for any user. Managers do not bind admins' or other managers' WeChat.
 */
function refuseUnlessMayMint(actor: Actor, user: { id: string; role: string; name: string }): void {
  if (user.id === actor.id || actor.role === 'admin') return;
  if (actor.role === 'manager' && user.role === 'sales') return;
  throw new DomainError({
    code: 'FORBIDDEN',
    message: actor.role === 'manager' ? `A manager makes binding codes for salespeople only; ${user.name} is ${user.role === 'admin' ? 'an admin' : 'a manager'}` : "Only managers and admins may fetch another user's binding code",
  });
}

/**
 * A mini-program code for binding a user's WeChat: the user themselves, or a manager for one of their salespeople.
 * The scene inside is single-use and expires after BINDING_SCENE_TTL_SECONDS — or, as an invite a manager sends or
 * prints for someone else, after `validDays` (at most INVITE_MAX_DAYS); revokeBindingCodes ends it sooner.
 */
export async function createBindingCode(ctx: AppContext, actor: Actor, userId: string, options: { validDays?: number | undefined } = {}): Promise<BindingCode> {
  const user = await findUserRow(ctx.db.kysely, userId);
  if (!user) {
    requireRole(actor, ['manager', 'admin'], "fetch another user's binding code");
    throw new DomainError({ code: 'USER_NOT_FOUND', message: `No user with id ${userId}` });
  }
  refuseUnlessMayMint(actor, user);
  refuseInactive(user);
  if (options.validDays !== undefined && userId === actor.id) {
    throw new DomainError({ code: 'VALIDATION_FAILED', message: 'validDays makes an invite for someone else; your own code is for scanning now', details: [{ path: 'query.validDays', message: 'only for another user' }] });
  }
  if (!ctx.config.LEADNOTIFY_SHARED_SECRET) {
    throw new DomainError({ code: 'BINDING_NOT_CONFIGURED', message: 'WeChat binding is not configured: set LEADNOTIFY_SHARED_SECRET on the API and the cloud function' });
  }
  if (!ctx.wechat) {
    throw new DomainError({ code: 'WECHAT_NOT_CONFIGURED', message: 'WeChat is not configured: set MINIPROGRAM_APPID, MINIPROGRAM_APPSECRET and MINIPROGRAM_CLOUD_ENV' });
  }
  const nowMs = ctx.clock.now();
  const db = ctx.db.kysely;
  if ((await countScenesSince(db, userId, new Date(nowMs - HOUR_MS).toISOString())) >= BINDING_CODES_PER_USER_HOUR) {
    throw new DomainError({
      code: 'TOO_MANY_BINDING_CODES',
      message: `At most ${BINDING_CODES_PER_USER_HOUR} binding codes an hour are made for one user; use the last one, or ask again within the hour`,
    });
  }
  await deleteScenesExpiredBefore(db, new Date(nowMs - EXPIRED_KEPT_MS).toISOString());
  const scene = newSceneCode();
  const validMs = options.validDays !== undefined ? options.validDays * DAY_MS : ctx.config.BINDING_SCENE_TTL_SECONDS * 1000;
  const expiresAt = new Date(nowMs + validMs).toISOString();
  await insertScene(db, { code: scene, user_id: userId, created_at: new Date(nowMs).toISOString(), expires_at: expiresAt, used_at: null });
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

/** Ends every unused code of a user now (a lost print, an invite sent to the wrong person). */
export async function revokeBindingCodes(ctx: AppContext, actor: Actor, userId: string): Promise<{ userId: string; revoked: number }> {
  requireRole(actor, ['manager', 'admin'], "revoke a user's binding codes");
  const user = await findUserRow(ctx.db.kysely, userId);
  if (!user) throw new DomainError({ code: 'USER_NOT_FOUND', message: `No user with id ${userId}` });
  refuseUnlessMayMint(actor, user);
  return { userId, revoked: await expireUnusedScenes(ctx.db.kysely, userId, new Date(ctx.clock.now()).toISOString()) };
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
