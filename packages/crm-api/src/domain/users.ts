import { randomUUID } from 'node:crypto';
import { isWechatError } from '@leadnotify/wechat-client';
import type { AppContext } from '../context.js';
import type { UserRow } from '../db/schema.js';
import type { Trx } from '../db/transaction.js';
import { deactivateUserRow, findUserRow, insertUser, listUserRows, setWecomUserIdRow } from '../db/users-store.js';
import { requireRole, type Actor } from './actor.js';
import { DomainError } from './errors.js';
import { checkName } from './names.js';
import type { Role } from './roles.js';

/** A user's name: one line of at most this many characters (see names.ts). */
export const USER_NAME_MAX = 100;

export interface UserView {
  id: string;
  name: string;
  role: Role;
  active: boolean;
  /** Their WeCom (企业微信) userid, lower-case as WeCom compares them; null: not reachable on WeCom. */
  wecomUserId: string | null;
  createdAt: string;
  updatedAt: string;
}

export function toUserView(row: UserRow): UserView {
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    active: row.active === 1,
    wecomUserId: row.wecom_user_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export async function createUser(ctx: AppContext, actor: Actor, input: { name: string; role: Role }): Promise<UserView> {
  requireRole(actor, ['admin'], 'create users');
  const name = checkName('name', input.name, USER_NAME_MAX);
  const now = new Date(ctx.clock.now()).toISOString();
  const row: UserRow = { id: randomUUID(), name, role: input.role, active: 1, wecom_user_id: null, created_at: now, updated_at: now };
  await insertUser(ctx.db.kysely, row);
  return toUserView(row);
}

export async function listUsers(ctx: AppContext, actor: Actor, filter: { role?: Role | undefined; active?: boolean | undefined }): Promise<UserView[]> {
  requireRole(actor, ['admin', 'manager'], 'list users');
  return (await listUserRows(ctx.db.kysely, filter)).map(toUserView);
}

/** Anyone may read themselves; managers and admins anyone. */
export async function getUser(ctx: AppContext, actor: Actor, id: string): Promise<UserView> {
  if (actor.id !== id) requireRole(actor, ['admin', 'manager'], 'read other users');
  return toUserView(await findUser(ctx.db.kysely, id));
}

/**
 * Deactivated users cannot sign in or receive assignments; their customers stay theirs until reassigned. Another
 * admin must do it: an admin deactivating themselves would lock themselves out by a slip.
 */
export async function deactivateUser(ctx: AppContext, actor: Actor, id: string): Promise<UserView> {
  requireRole(actor, ['admin'], 'deactivate users');
  if (id === actor.id) throw new DomainError({ code: 'FORBIDDEN', message: 'You cannot deactivate yourself; ask another admin' });
  if (!(await deactivateUserRow(ctx.db.kysely, id, new Date(ctx.clock.now()).toISOString()))) {
    throw new DomainError({ code: 'USER_NOT_FOUND', message: `No user with id ${id}` });
  }
  return toUserView(await findUser(ctx.db.kysely, id));
}

/** WeCom userids: 1 to 64 letters, digits, `_`, `-`, `.` or `@` (通讯录 → 成员 → 账号); WeCom does not tell upper from lower case. */
const WECOM_USER_ID = /^[A-Za-z0-9_.@-]{1,64}$/;

/**
 * Sets (or with null, clears) the WeCom userid the second channel reaches a user at. An admin's: a wrong one would send
 * someone's leads to another person. Stored lower-case; one WeCom account serves one CRM user.
 */
export async function setWecomUserId(ctx: AppContext, actor: Actor, id: string, wecomUserId: string | null): Promise<UserView> {
  requireRole(actor, ['admin'], "set a user's WeCom userid");
  const value = wecomUserId === null ? null : wecomUserId.trim().toLowerCase();
  if (value !== null && !WECOM_USER_ID.test(value)) {
    throw new DomainError({
      code: 'VALIDATION_FAILED',
      message: 'A WeCom userid is 1 to 64 letters, digits, _ - . or @ (the 账号 in the WeCom admin console, 通讯录)',
      details: [{ path: 'wecomUserId', message: 'must be 1 to 64 letters, digits, _ - . or @', code: 'custom' }],
    });
  }
  const outcome = await setWecomUserIdRow(ctx.db.kysely, id, value, new Date(ctx.clock.now()).toISOString());
  if (outcome === 'not-found') throw new DomainError({ code: 'USER_NOT_FOUND', message: `No user with id ${id}` });
  if (outcome === 'taken') throw new DomainError({ code: 'WECOM_USER_ID_TAKEN', message: `Another CRM user already has the WeCom userid ${value}` });
  return toUserView(await findUser(ctx.db.kysely, id));
}

async function findUser(db: Trx, id: string): Promise<UserRow> {
  const row = await findUserRow(db, id);
  if (!row) throw new DomainError({ code: 'USER_NOT_FOUND', message: `No user with id ${id}` });
  return row;
}

/**
 * Sets a user's WeCom userid from their mobile, asking WeCom who has it (user/getuserid: the application needs that
 * permission in the WeCom admin console). 404 WECOM_USER_NOT_FOUND when nobody of the corp has it.
 */
export async function setWecomUserIdByMobile(ctx: AppContext, actor: Actor, id: string, mobile: string): Promise<UserView> {
  requireRole(actor, ['admin'], "set a user's WeCom userid");
  if (!ctx.wecom) throw new DomainError({ code: 'WECOM_NOT_CONFIGURED', message: 'WeCom is not configured: set WECOM_CORP_ID, WECOM_AGENT_ID and WECOM_AGENT_SECRET' });
  await findUser(ctx.db.kysely, id);
  let userid: string;
  try {
    userid = await ctx.wecom.getUserIdByMobile(mobile.trim());
  } catch (error) {
    if (!isWechatError(error)) throw error;
    if (error.code === 'WECOM_USER_INVALID') throw new DomainError({ code: 'WECOM_USER_NOT_FOUND', message: 'Nobody in the WeCom organisation has that mobile', details: { errcode: error.errcode } });
    throw new DomainError({ code: 'WECHAT_REFUSED', message: error.message, details: { reason: error.code, errcode: error.errcode }, cause: error });
  }
  return setWecomUserId(ctx, actor, id, userid);
}
