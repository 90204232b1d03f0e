import type { Kysely } from 'kysely';

/**
 * The console pages through every notification newest first (created_at, id) and filters by status or reason: without
 * these, the first page of a long history sorted the whole table.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('notifications_created_idx').on('notifications').columns(['created_at', 'id']).execute();
  await db.schema.createIndex('notifications_status_created_idx').on('notifications').columns(['status', 'created_at', 'id']).execute();
  await db.schema.createIndex('notifications_reason_created_idx').on('notifications').columns(['reason', 'created_at', 'id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('notifications_reason_created_idx').execute();
  await db.schema.dropIndex('notifications_status_created_idx').execute();
  await db.schema.dropIndex('notifications_created_idx').execute();
}
