import type { Kysely } from 'kysely';

/** The channel a notification went out (or was last tried) on: `wechat-subscribe` or `wecom`; null before channels. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('notifications').addColumn('channel', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('notifications').dropColumn('channel').execute();
}
