import type { BindingScenesTable } from './schema.js';
import type { Trx } from './transaction.js';

/** Every statement on binding codes. */

export async function insertScene(db: Trx, scene: BindingScenesTable): Promise<void> {
  await db.insertInto('binding_scenes').values(scene).execute();
}

/**
 * Uses a code once: marks it used if it is unused and unexpired, in one statement so two scans cannot both
 * succeed. Returns its user, or undefined (then `findScene` tells why).
 */
export async function useScene(db: Trx, code: string, now: string): Promise<string | undefined> {
  const used = await db
    .updateTable('binding_scenes')
    .set({ used_at: now })
    .where('code', '=', code)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .returning('user_id')
    .executeTakeFirst();
  return used?.user_id;
}

export async function findScene(db: Trx, code: string): Promise<BindingScenesTable | undefined> {
  return db.selectFrom('binding_scenes').selectAll().where('code', '=', code).executeTakeFirst();
}

/** Codes made for a user since `since`: what the per-user limit counts. */
export async function countScenesSince(db: Trx, userId: string, since: string): Promise<number> {
  const row = await db
    .selectFrom('binding_scenes')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('user_id', '=', userId)
    .where('created_at', '>=', since)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/** Forgets codes expired before `before`: a scan of one says "not a code the CRM issued" from then on. */
export async function deleteScenesExpiredBefore(db: Trx, before: string): Promise<void> {
  await db.deleteFrom('binding_scenes').where('expires_at', '<', before).execute();
}

/** Ends a user's unused codes now (an invite sent to the wrong person, a printed code lost); returns how many. */
export async function expireUnusedScenes(db: Trx, userId: string, now: string): Promise<number> {
  const result = await db
    .updateTable('binding_scenes')
    .set({ expires_at: now })
    .where('user_id', '=', userId)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
