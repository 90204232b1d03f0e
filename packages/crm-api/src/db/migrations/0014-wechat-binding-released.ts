import type { Kysely } from 'kysely';

/**
 * When an admin last released a user's WeChat binding (a salesperson who left): until WeChat shows a binding again,
 * the CRM knows them as not bound.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('wechat_binding_releases')
    .addColumn('user_id', 'text', (col) => col.primaryKey().references('users.id'))
    .addColumn('released_at', 'text', (col) => col.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('wechat_binding_releases').execute();
}
