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
