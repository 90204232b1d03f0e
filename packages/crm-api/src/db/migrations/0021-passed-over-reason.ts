import { sql, type Kysely } from 'kysely';

/**
 * What an earlier channel said when the chain passed a message on (the subscribe message's NOT_BOUND or NO_SUBSCRIPTION
 * before WeCom delivered it): without it a lead WeCom delivered hid that WeChat cannot reach the salesperson, and
 * reachability forgot it. Every assignment reads the newest such word (db/reachability-store.ts): one index probe.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('notifications').addColumn('passed_over_reason', 'text').execute();
  await db.schema
    .createIndex('notifications_assignee_passed_over_idx')
    .on('notifications')
    .columns(['assignee_id', 'updated_at'])
    .where(sql.ref('passed_over_reason'), 'is not', null)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('notifications_assignee_passed_over_idx').execute();
  await db.schema.alterTable('notifications').dropColumn('passed_over_reason').execute();
}
