import type { Kysely } from 'kysely';

/**
 * WeChat's message push: the pushes accepted (each applied once; a replay is refused), the subscription
 * states the function answered for them (the CRM's view of its one count), and on each notification whom
 * it went to and whether WeChat's delivery receipt confirmed it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('wechat_pushes')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('event', 'text', (col) => col.notNull())
    .addColumn('openid', 'text')
    .addColumn('received_at', 'text', (col) => col.notNull())
    .execute();
  await db.schema
    .createTable('wechat_receipts')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('openid', 'text', (col) => col.notNull())
    .addColumn('delivered', 'integer', (col) => col.notNull())
    .addColumn('detail', 'text', (col) => col.notNull())
    .addColumn('received_at', 'text', (col) => col.notNull())
    .addColumn('settled_delivery_id', 'text')
    .execute();
  await db.schema.createIndex('wechat_receipts_open_idx').on('wechat_receipts').columns(['openid', 'settled_delivery_id', 'received_at']).execute();
  await db.schema
    .createTable('wechat_subscriptions')
    .addColumn('openid', 'text', (col) => col.notNull())
    .addColumn('template_id', 'text', (col) => col.notNull())
    .addColumn('crm_user_id', 'text')
    .addColumn('remaining', 'integer', (col) => col.notNull())
    .addColumn('refused', 'integer', (col) => col.notNull())
    .addColumn('version', 'integer', (col) => col.notNull())
    .addColumn('updated_at', 'text', (col) => col.notNull())
    .addPrimaryKeyConstraint('wechat_subscriptions_pk', ['openid', 'template_id'])
    .execute();
  await db.schema.createIndex('wechat_subscriptions_user_idx').on('wechat_subscriptions').column('crm_user_id').execute();
  await db.schema.alterTable('notifications').addColumn('wechat_openid', 'text').execute();
  await db.schema.alterTable('notifications').addColumn('confirmed_at', 'text').execute();
  await db.schema.createIndex('notifications_receipt_idx').on('notifications').columns(['wechat_openid', 'confirmed_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('notifications_receipt_idx').execute();
  await db.schema.alterTable('notifications').dropColumn('confirmed_at').execute();
  await db.schema.alterTable('notifications').dropColumn('wechat_openid').execute();
  await db.schema.dropTable('wechat_subscriptions').execute();
  await db.schema.dropTable('wechat_receipts').execute();
  await db.schema.dropTable('wechat_pushes').execute();
}
