import type { Kysely } from 'kysely';

/**
 * What the salesperson's phone last showed of their subscribe-message settings (wx.getSetting withSubscriptions, reported
 * by the mini-program kit): the main switch, and the lead templates kept "总是保持以上选择" (always accept). Only the
 * phone knows them; WeChat pushes neither.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('wechat_subscription_settings')
    .addColumn('user_id', 'text', (col) => col.primaryKey().references('users.id'))
    .addColumn('main_switch', 'integer', (col) => col.notNull())
    /** JSON array of template ids. */
    .addColumn('always', 'text', (col) => col.notNull())
    .addColumn('reported_at', 'text', (col) => col.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('wechat_subscription_settings').execute();
}
