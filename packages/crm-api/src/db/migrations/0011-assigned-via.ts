import type { Kysely } from 'kysely';

/**
 * The operation an assignment came through (web, miniprogram, batch, pool, release) was called its channel; a
 * channel is now how a message travels to the salesperson, so the column is `via`. Both engines rename in place and
 * carry the indexes along.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('assignments').renameColumn('channel', 'via').execute();
  await db.schema.alterTable('notifications').renameColumn('channel', 'via').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('notifications').renameColumn('via', 'channel').execute();
  await db.schema.alterTable('assignments').renameColumn('via', 'channel').execute();
}
