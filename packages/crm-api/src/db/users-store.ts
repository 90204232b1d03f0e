import type { Role, UserRow } from './schema.js';
import type { Trx } from './transaction.js';

/** Every statement on users and their API tokens. */

export async function insertUser(db: Trx, row: UserRow): Promise<void> {
  await db.insertInto('users').values(row).execute();
}

/** `lock` (PostgreSQL only): `noKeyUpdate` serialises writers of the row without blocking foreign-key checks. */
export async function findUserRow(db: Trx, id: string, options: { lock?: 'noKeyUpdate' | undefined } = {}): Promise<UserRow | undefined> {
  let query = db.selectFrom('users').selectAll().where('id', '=', id);
  if (options.lock === 'noKeyUpdate') query = query.forNoKeyUpdate();
  return query.executeTakeFirst();
}

export async function listUserRows(db: Trx, filter: { role?: Role | undefined; active?: boolean | undefined }): Promise<UserRow[]> {
  let query = db.selectFrom('users').selectAll().orderBy('created_at').orderBy('id');
  if (filter.role) query = query.where('role', '=', filter.role);
  if (filter.active !== undefined) query = query.where('active', '=', filter.active ? 1 : 0);
  return query.execute();
}

/** false when there is no such user. */
export async function deactivateUserRow(db: Trx, id: string, now: string): Promise<boolean> {
  const result = await db.updateTable('users').set({ active: 0, updated_at: now }).where('id', '=', id).executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function insertApiToken(db: Trx, token: { id: string; userId: string; tokenHash: string; createdAt: string }): Promise<void> {
  await db
    .insertInto('api_tokens')
    .values({ id: token.id, user_id: token.userId, token_hash: token.tokenHash, created_at: token.createdAt })
    .execute();
}

/** The user a token hash belongs to, active or not. */
export async function findUserByTokenHash(db: Trx, tokenHash: string): Promise<Pick<UserRow, 'id' | 'name' | 'role' | 'active'> | undefined> {
  return db
    .selectFrom('api_tokens')
    .innerJoin('users', 'users.id', 'api_tokens.user_id')
    .select(['users.id', 'users.name', 'users.role', 'users.active'])
    .where('api_tokens.token_hash', '=', tokenHash)
    .executeTakeFirst();
}
