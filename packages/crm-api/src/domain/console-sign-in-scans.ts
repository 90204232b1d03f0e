import { randomBytes } from 'node:crypto';
import { isWechatError } from '@leadnotify/wechat-client';
import type { AppContext } from '../context.js';
import {
  completeSignInScanRow,
  confirmSignInScanRow,
  deleteSignInScansExpiredBefore,
  findSignInScan,
  findSignInScanByScene,
  insertSignInScan,
} from '../db/console-sessions-store.js';
import type { Actor } from './actor.js';
import { hashToken } from './api-tokens.js';
import { newSceneCode } from './binding-codes.js';
import { startConsoleSession, type ConsoleSession } from './console-sessions.js';
import { DomainError } from './errors.js';

/** How long an ended scan is remembered: a late poll is told "expired", not "unknown". */
const ENDED_KEPT_MS = 3_600_000;

/**
 * A sign-in the console waits for. `id` is the browser's secret (it alone completes the sign-in; only its hash is
 * stored); the phone never sees it. The phone sees the scene, which only confirms.
 */
export interface SignInScan {
  id: string;
  expiresAt: string;
}

type ScanContext = Pick<AppContext, 'db' | 'config' | 'clock' | 'wechat'>;

function refuseWithoutWechat(ctx: ScanContext): NonNullable<AppContext['wechat']> {
  if (!ctx.wechat) {
    throw new DomainError({ code: 'WECHAT_NOT_CONFIGURED', message: 'WeChat is not configured: set MINIPROGRAM_APPID, MINIPROGRAM_APPSECRET and MINIPROGRAM_CLOUD_ENV to sign in by scanning' });
  }
  return ctx.wechat;
}

/** A new sign-in to scan for, valid CONSOLE_SCAN_TTL_SECONDS; its code is `signInScanCode`. */
export async function startSignInScan(ctx: ScanContext): Promise<SignInScan> {
  refuseWithoutWechat(ctx);
  const nowMs = ctx.clock.now();
  const db = ctx.db.kysely;
  await deleteSignInScansExpiredBefore(db, new Date(nowMs - ENDED_KEPT_MS).toISOString());
  const id = randomBytes(32).toString('base64url');
  const expiresAt = new Date(nowMs + ctx.config.CONSOLE_SCAN_TTL_SECONDS * 1000).toISOString();
  await insertSignInScan(db, {
    id_hash: hashToken(id),
    scene: newSceneCode(),
    created_at: new Date(nowMs).toISOString(),
    expires_at: expiresAt,
    user_id: null,
    confirmed_at: null,
    completed_at: null,
  });
  return { id, expiresAt };
}

/** Why a scan the browser names cannot go on; the messages never repeat the id. */
async function scanOf(ctx: ScanContext, id: string) {
  const scan = await findSignInScan(ctx.db.kysely, hashToken(id));
  if (!scan) throw new DomainError({ code: 'SCAN_INVALID', message: 'This sign-in code is not one the CRM issued, or it ended long ago; show a new one' });
  return scan;
}

/**
 * The mini-program code of a scan: a PNG that opens the kit's console sign-in page with the scan's scene. Made by
 * WeChat on every call (getwxacodeunlimit: 5,000 a minute for the whole mini program), so the routes limit callers.
 */
export async function signInScanCode(ctx: ScanContext, id: string): Promise<{ png: Buffer; expiresAt: string }> {
  const wechat = refuseWithoutWechat(ctx);
  const scan = await scanOf(ctx, id);
  if (scan.completed_at) throw new DomainError({ code: 'SCAN_USED', message: 'This sign-in code already signed a browser in; show a new one' });
  if (scan.expires_at <= new Date(ctx.clock.now()).toISOString()) throw new DomainError({ code: 'SCAN_EXPIRED', message: 'This sign-in code has expired; show a new one' });
  try {
    const png = await wechat.getUnlimitedQrCode({
      scene: scan.scene,
      page: ctx.config.WECHAT_CONSOLE_SIGN_IN_PAGE,
      checkPath: ctx.config.WECHAT_QR_CHECK_PATH,
      envVersion: ctx.config.WECHAT_QR_ENV_VERSION,
    });
    return { png, expiresAt: scan.expires_at };
  } catch (error) {
    if (!isWechatError(error)) throw error;
    // WeChat's answer with the reason table's fix, as for a binding code; it carries no secret.
    throw new DomainError({ code: 'WECHAT_REFUSED', message: error.message, details: { reason: error.code, errcode: error.errcode }, cause: error });
  }
}

/**
 * The phone that scanned the code says "sign that browser in as me" (the kit's console sign-in page, with its WeChat
 * session). Once, while the code is valid: a second phone, or the same one again, is SCENE_USED.
 */
export async function confirmSignInScan(ctx: Pick<AppContext, 'db' | 'clock'>, actor: Actor, scene: string): Promise<{ confirmed: true }> {
  const db = ctx.db.kysely;
  if (await confirmSignInScanRow(db, scene, actor.id, new Date(ctx.clock.now()).toISOString())) return { confirmed: true };
  const scan = await findSignInScanByScene(db, scene);
  if (!scan) throw new DomainError({ code: 'SCENE_INVALID', message: 'This is not a console sign-in code the CRM issued' });
  if (scan.confirmed_at) throw new DomainError({ code: 'SCENE_USED', message: 'This console sign-in code was already confirmed; show a new one on the computer' });
  throw new DomainError({ code: 'SCENE_EXPIRED', message: 'This console sign-in code has expired; show a new one on the computer' });
}

export type SignInScanOutcome = { status: 'waiting' } | { status: 'signed-in'; session: ConsoleSession & { id: string } };

/**
 * What the browser's poll learns: still waiting for the phone, or — once, after the phone confirmed — a session of the
 * user who confirmed, if they are still active (USER_INACTIVE otherwise; the scan is spent all the same).
 */
export async function completeSignInScan(ctx: ScanContext, id: string): Promise<SignInScanOutcome> {
  const now = new Date(ctx.clock.now()).toISOString();
  const userId = await completeSignInScanRow(ctx.db.kysely, hashToken(id), now);
  if (userId) return { status: 'signed-in', session: await startConsoleSession(ctx, userId) };
  const scan = await scanOf(ctx, id);
  if (scan.completed_at) throw new DomainError({ code: 'SCAN_USED', message: 'This sign-in code already signed a browser in; show a new one' });
  if (scan.expires_at <= now) throw new DomainError({ code: 'SCAN_EXPIRED', message: 'This sign-in code has expired; show a new one' });
  return { status: 'waiting' };
}
