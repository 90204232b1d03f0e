import type { ConsoleSessionsTable, ConsoleSignInLinksTable, ConsoleSignInScansTable, UserRow } from './schema.js';
import type { Trx } from './transaction.js';

/** Every statement on console sessions, one-time sign-in links and sign-ins by scanning. */

export async function insertConsoleSession(db: Trx, row: ConsoleSessionsTable): Promise<void> {
  await db.insertInto('console_sessions').values(row).execute();
}

export type ConsoleSessionWithUser = Pick<ConsoleSessionsTable, 'id_hash' | 'csrf_token' | 'expires_at' | 'ended_at'> & Pick<UserRow, 'id' | 'name' | 'role' | 'active'>;

/** The session and its user, in one statement: every console request reads it. */
/** Forgets the user's console sessions that expired or were signed out before `before`. */
export async function deleteConsoleSessionsEndedBefore(db: Trx, userId: string, before: string): Promise<void> {
  await db
    .deleteFrom('console_sessions')
    .where('user_id', '=', userId)
    .where((eb) => eb.or([eb('expires_at', '<', before), eb('ended_at', '<', before)]))
    .execute();
}

/** Forgets sign-in links that expired before `before`, used or not. */
export async function deleteSignInLinksExpiredBefore(db: Trx, before: string): Promise<void> {
  await db.deleteFrom('console_sign_in_links').where('expires_at', '<', before).execute();
}

export async function findConsoleSession(db: Trx, idHash: string): Promise<ConsoleSessionWithUser | undefined> {
  return db
    .selectFrom('console_sessions')
    .innerJoin('users', 'users.id', 'console_sessions.user_id')
    .select(['console_sessions.id_hash', 'console_sessions.csrf_token', 'console_sessions.expires_at', 'console_sessions.ended_at', 'users.id', 'users.name', 'users.role', 'users.active'])
    .where('console_sessions.id_hash', '=', idHash)
    .executeTakeFirst();
}

export async function endConsoleSessionRow(db: Trx, idHash: string, now: string): Promise<void> {
  await db.updateTable('console_sessions').set({ ended_at: now }).where('id_hash', '=', idHash).where('ended_at', 'is', null).execute();
}

/** Ends every open console session of the user; answers how many. */
export async function endConsoleSessionsOf(db: Trx, userId: string, now: string): Promise<number> {
  const result = await db.updateTable('console_sessions').set({ ended_at: now }).where('user_id', '=', userId).where('ended_at', 'is', null).executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function insertSignInLink(db: Trx, row: ConsoleSignInLinksTable): Promise<void> {
  await db.insertInto('console_sign_in_links').values(row).execute();
}

/**
 * Uses a link once: marks it used if it is unused and unexpired, in one statement so two clicks cannot both sign in.
 * Returns its user, or undefined (then `findSignInLink` tells why).
 */
export async function useSignInLink(db: Trx, tokenHash: string, now: string): Promise<string | undefined> {
  const used = await db
    .updateTable('console_sign_in_links')
    .set({ used_at: now })
    .where('token_hash', '=', tokenHash)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .returning('user_id')
    .executeTakeFirst();
  return used?.user_id;
}

export async function findSignInLink(db: Trx, tokenHash: string): Promise<ConsoleSignInLinksTable | undefined> {
  return db.selectFrom('console_sign_in_links').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
}

export async function insertSignInScan(db: Trx, row: ConsoleSignInScansTable): Promise<void> {
  await db.insertInto('console_sign_in_scans').values(row).execute();
}

/** Scans that ended before `before`: nobody can use them, and a late poll is told "unknown" instead of "expired". */
export async function deleteSignInScansExpiredBefore(db: Trx, before: string): Promise<void> {
  await db.deleteFrom('console_sign_in_scans').where('expires_at', '<', before).execute();
}

export async function findSignInScan(db: Trx, idHash: string): Promise<ConsoleSignInScansTable | undefined> {
  return db.selectFrom('console_sign_in_scans').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
}

export async function findSignInScanByScene(db: Trx, scene: string): Promise<ConsoleSignInScansTable | undefined> {
  return db.selectFrom('console_sign_in_scans').selectAll().where('scene', '=', scene).executeTakeFirst();
}

/**
 * A phone confirms a scan for its user: once, while unexpired, in one statement so two phones cannot both confirm it.
 * Returns whether it did (else `findSignInScanByScene` tells why).
 */
export async function confirmSignInScanRow(db: Trx, scene: string, userId: string, now: string): Promise<boolean> {
  const confirmed = await db
    .updateTable('console_sign_in_scans')
    .set({ user_id: userId, confirmed_at: now })
    .where('scene', '=', scene)
    .where('confirmed_at', 'is', null)
    .where('expires_at', '>', now)
    .returning('id_hash')
    .executeTakeFirst();
  return confirmed !== undefined;
}

/**
 * The browser takes the sign-in a phone confirmed: once, while unexpired, in one statement so two polls cannot both
 * get a session. Returns the confirmed user, or undefined (then `findSignInScan` tells why).
 */
export async function completeSignInScanRow(db: Trx, idHash: string, now: string): Promise<string | undefined> {
  const completed = await db
    .updateTable('console_sign_in_scans')
    .set({ completed_at: now })
    .where('id_hash', '=', idHash)
    .where('confirmed_at', 'is not', null)
    .where('completed_at', 'is', null)
    .where('expires_at', '>', now)
    .returning('user_id')
    .executeTakeFirst();
  return completed?.user_id ?? undefined;
}
