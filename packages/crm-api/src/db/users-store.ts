import type { Role } from '../domain/roles.js';
import type { ApiTokenKind, ApiTokenRow, UserRow } from './schema.js';
import { prepared } from './prepared.js';
import type { Trx } from './transaction.js';

/** Every statement on users and their API tokens. */

export async function insertUser(db: Trx, row: UserRow): Promise<void> {
  await db.insertInto('users').values(row).execute();
}

export async function findUserRow(db: Trx, id: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listUserRows(db: Trx, filter: { role?: Role | undefined; active?: boolean | undefined }): Promise<UserRow[]> {
  let query = db.selectFrom('users').selectAll().orderBy('created_at').orderBy('id');
  if (filter.role) query = query.where('role', '=', filter.role);
  if (filter.active !== undefined) query = query.where('active', '=', filter.active ? 1 : 0);
  return query.execute();
}

/** 'taken' when another user has that WeCom userid. */
export async function setWecomUserIdRow(db: Trx, id: string, wecomUserId: string | null, now: string): Promise<'set' | 'not-found' | 'taken'> {
  if (wecomUserId !== null) {
    const holder = await db.selectFrom('users').select('id').where('wecom_user_id', '=', wecomUserId).where('id', '!=', id).executeTakeFirst();
    if (holder) return 'taken';
  }
  try {
    const result = await db.updateTable('users').set({ wecom_user_id: wecomUserId, updated_at: now }).where('id', '=', id).executeTakeFirst();
    return Number(result.numUpdatedRows) === 1 ? 'set' : 'not-found';
  } catch (error) {
    // Two admins setting the same userid at once: the unique index decides.
    if (/unique|duplicate/i.test(String(error))) return 'taken';
    throw error;
  }
}

/** false when there is no such user. */
export async function deactivateUserRow(db: Trx, id: string, now: string): Promise<boolean> {
  const result = await db.updateTable('users').set({ active: 0, updated_at: now }).where('id', '=', id).executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function insertApiToken(
  db: Trx,
  token: { id: string; userId: string; tokenHash: string; createdAt: string; expiresAt: string; kind: ApiTokenKind; openid: string | null },
): Promise<void> {
  await db
    .insertInto('api_tokens')
    .values({
      id: token.id,
      user_id: token.userId,
      token_hash: token.tokenHash,
      created_at: token.createdAt,
      expires_at: token.expiresAt,
      revoked_at: null,
      last_used_at: null,
      kind: token.kind,
      openid: token.openid,
    })
    .execute();
}

/** Revokes every unrevoked mini-program session token of the user (their WeChat binding ended); answers how many. */
export async function revokeWechatTokensOf(db: Trx, userId: string, now: string): Promise<number> {
  const result = await db
    .updateTable('api_tokens')
    .set({ revoked_at: now })
    .where('user_id', '=', userId)
    .where('kind', '=', 'wechat')
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Forgets the user's mini-program session tokens that expired before `before` (each sign-in and renewal makes one). */
export async function deleteWechatTokensExpiredBefore(db: Trx, userId: string, before: string): Promise<void> {
  await db.deleteFrom('api_tokens').where('user_id', '=', userId).where('kind', '=', 'wechat').where('expires_at', '<', before).execute();
}

export type TokenWithUser = Pick<UserRow, 'id' | 'name' | 'role' | 'active'> & Pick<ApiTokenRow, 'expires_at' | 'revoked_at' | 'last_used_at' | 'kind'> & { token_id: string };

const tokenByHash = prepared((db, tokenHash: string) =>
  db
    .selectFrom('api_tokens')
    .innerJoin('users', 'users.id', 'api_tokens.user_id')
    .select(['users.id', 'users.name', 'users.role', 'users.active', 'api_tokens.id as token_id', 'api_tokens.expires_at', 'api_tokens.revoked_at', 'api_tokens.last_used_at', 'api_tokens.kind'])
    .where('api_tokens.token_hash', '=', tokenHash),
);

/** The token a hash belongs to, with its user, active or not (every authenticated request asks). */
export async function findTokenByHash(db: Trx, tokenHash: string): Promise<TokenWithUser | undefined> {
  return (await tokenByHash(db, tokenHash)).rows[0];
}

/** Only if the stored time is older than `staleBefore`: concurrent requests do not all write. */
export async function touchApiToken(db: Trx, id: string, now: string, staleBefore: string): Promise<void> {
  await db
    .updateTable('api_tokens')
    .set({ last_used_at: now })
    .where('id', '=', id)
    .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', staleBefore)]))
    .execute();
}

export async function listApiTokenRows(db: Trx, filter: { userId?: string | undefined }): Promise<ApiTokenRow[]> {
  let query = db.selectFrom('api_tokens').selectAll().orderBy('created_at').orderBy('id');
  if (filter.userId) query = query.where('user_id', '=', filter.userId);
  return query.execute();
}

export async function findApiTokenRow(db: Trx, id: string): Promise<ApiTokenRow | undefined> {
  return db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Sets revoked_at once; revoking again keeps the first time. */
export async function revokeApiTokenRow(db: Trx, id: string, now: string): Promise<void> {
  await db.updateTable('api_tokens').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).execute();
}

/** The WeCom userid of each of these users that has one. */
export async function wecomUserIdsOf(db: Trx, userIds: readonly string[]): Promise<Map<string, string>> {
  if (userIds.length === 0) return new Map();
  const rows = await db.selectFrom('users').select(['id', 'wecom_user_id']).where('id', 'in', userIds).where('wecom_user_id', 'is not', null).execute();
  return new Map(rows.map((row) => [row.id, row.wecom_user_id as string]));
}

/** WeCom messages each of these users was sent since each time (distinct deliveries): what WeCom's per-member limits count. */
export async function wecomSendsSince(db: Trx, userIds: readonly string[], since: { minute: string; hour: string }): Promise<Map<string, { minute: number; hour: number }>> {
  if (userIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('notifications')
    .select(['assignee_id', 'delivery_id', 'sent_at'])
    .distinct()
    .where('assignee_id', 'in', userIds)
    .where('channel', '=', 'wecom')
    .where('status', 'in', ['sent', 'unconfirmed'])
    .where('sent_at', '>=', since.hour)
    .execute();
  const counts = new Map<string, { minute: number; hour: number }>();
  for (const row of rows) {
    const count = counts.get(row.assignee_id) ?? { minute: 0, hour: 0 };
    count.hour += 1;
    if ((row.sent_at ?? '') >= since.minute) count.minute += 1;
    counts.set(row.assignee_id, count);
  }
  return counts;
}
