import type { Kysely } from 'kysely';

/**
 * The claim reads pending rows in (next_attempt_at, id) order; with id in the index that is a range scan
 * with no sort, however long the outbox.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('notifications_due_order_idx').on('notifications').columns(['status', 'next_attempt_at', 'id']).execute();
  await db.schema.dropIndex('notifications_due_idx').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('notifications_due_idx').on('notifications').columns(['status', 'next_attempt_at']).execute();
  await db.schema.dropIndex('notifications_due_order_idx').execute();
}
