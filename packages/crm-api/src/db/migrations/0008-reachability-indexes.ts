import { sql, type Kysely } from 'kysely';

/**
 * Every assignment reads its assignee's reachability (db/reachability-store.ts). Without these, its "first
 * message to an openid" and "used since the pushed count" reads walked all of the user's notifications (1.7 ms
 * each at 10,000, more than the whole assignment) and "last sent/skipped" all sent or skipped rows of everyone;
 * with them each is an index range or a single probe, however long the history.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('notifications_assignee_status_idx').on('notifications').columns(['assignee_id', 'status', 'updated_at']).execute();
  await db.schema.createIndex('notifications_assignee_sent_idx').on('notifications').columns(['assignee_id', 'status', 'sent_at']).execute();
  await db.schema
    .createIndex('notifications_assignee_openid_idx')
    .on('notifications')
    .columns(['assignee_id', 'updated_at'])
    .where(sql.ref('wechat_openid'), 'is not', null)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('notifications_assignee_openid_idx').execute();
  await db.schema.dropIndex('notifications_assignee_sent_idx').execute();
  await db.schema.dropIndex('notifications_assignee_status_idx').execute();
}
