import type { Kysely } from 'kysely';

/** What the notifier needs: leases, the delivery a row went out in, outcomes, and every attempt. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('notifications')
    .addColumn('lease_owner', 'text')
    .execute();
  await db.schema.alterTable('notifications').addColumn('lease_until', 'text').execute();
  await db.schema.alterTable('notifications').addColumn('delivery_id', 'text').execute();
  await db.schema.alterTable('notifications').addColumn('reason', 'text').execute();
  await db.schema.alterTable('notifications').addColumn('last_error', 'text').execute();
  await db.schema.alterTable('notifications').addColumn('sent_at', 'text').execute();
  await db.schema.createIndex('notifications_lease_idx').on('notifications').columns(['status', 'lease_until']).execute();
  await db.schema.createIndex('notifications_delivery_idx').on('notifications').column('delivery_id').execute();

  await db.schema
    .createTable('notification_attempts')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('notification_id', 'text', (col) => col.notNull().references('notifications.id'))
    .addColumn('attempt', 'integer', (col) => col.notNull())
    .addColumn('delivery_id', 'text', (col) => col.notNull())
    .addColumn('started_at', 'text', (col) => col.notNull())
    .addColumn('finished_at', 'text', (col) => col.notNull())
    .addColumn('outcome', 'text', (col) => col.notNull())
    .addColumn('reason', 'text')
    .addColumn('error_code', 'text')
    .addColumn('error_message', 'text')
    .execute();
  await db.schema.createIndex('notification_attempts_notification_idx').on('notification_attempts').columns(['notification_id', 'attempt']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('notification_attempts').execute();
  for (const index of ['notifications_lease_idx', 'notifications_delivery_idx']) await db.schema.dropIndex(index).execute();
  for (const column of ['lease_owner', 'lease_until', 'delivery_id', 'reason', 'last_error', 'sent_at']) {
    await db.schema.alterTable('notifications').dropColumn(column).execute();
  }
}
