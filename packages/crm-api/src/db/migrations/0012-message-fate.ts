import { sql, type Kysely } from 'kysely';

/**
 * What a receipt must match and what a withdrawal must ask (delivery/states):
 * - `notifications.fate_unknown`: the channel may hold the delivery id as sent (an attempt's answer was lost, or its
 *   worker died with it in flight); such a message is recalled through the channel, never withdrawn on the CRM's say.
 *   Rows already tried and waiting to be tried again may be such: they start as unknown.
 * - `notifications.template_id`, `msg_id`: the template a message went out with and WeChat's MsgID when its answer
 *   carried one, as the function answered; a receipt names both.
 * - `notifications.tried_at`: when a worker first took the message under its delivery id: it cannot have reached WeChat
 *   before, whatever attempt records a killed worker never wrote.
 * - `wechat_receipts.template_id`, `msg_id`, `created_at`: the receipt's template, MsgID and push time (CreateTime).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('notifications').addColumn('fate_unknown', 'integer', (col) => col.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('notifications').addColumn('template_id', 'text').execute();
  await db.schema.alterTable('notifications').addColumn('msg_id', 'text').execute();
  await db.schema.alterTable('notifications').addColumn('tried_at', 'text').execute();
  await sql`update notifications set fate_unknown = 1 where status in ('pending', 'sending') and attempts > 0`.execute(db);
  await db.schema.alterTable('wechat_receipts').addColumn('template_id', 'text').execute();
  await db.schema.alterTable('wechat_receipts').addColumn('msg_id', 'text').execute();
  await db.schema.alterTable('wechat_receipts').addColumn('created_at', 'text').execute();
  await sql`update wechat_receipts set created_at = received_at`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('wechat_receipts').dropColumn('created_at').execute();
  await db.schema.alterTable('wechat_receipts').dropColumn('msg_id').execute();
  await db.schema.alterTable('wechat_receipts').dropColumn('template_id').execute();
  await db.schema.alterTable('notifications').dropColumn('tried_at').execute();
  await db.schema.alterTable('notifications').dropColumn('msg_id').execute();
  await db.schema.alterTable('notifications').dropColumn('template_id').execute();
  await db.schema.alterTable('notifications').dropColumn('fate_unknown').execute();
}
