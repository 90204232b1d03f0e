import { sql, type Kysely } from 'kysely';

/**
 * WeChat's pushes become an inbox: a verified push is stored first and WeChat is answered at once; it is applied from
 * here, with retries, so no push is lost to a failure behind it (the cloud function down, say) — WeChat gives up after
 * three tries. The store is also the replay check: one insert, so twenty copies of a push arriving at once are one.
 * Pushes stored before this were applied when they were stored.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('wechat_pushes').addColumn('body', 'text').execute();
  await db.schema.alterTable('wechat_pushes').addColumn('applied_at', 'text').execute();
  await db.schema.alterTable('wechat_pushes').addColumn('attempts', 'integer', (col) => col.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('wechat_pushes').addColumn('next_attempt_at', 'text').execute();
  await db.schema.alterTable('wechat_pushes').addColumn('lease_until', 'text').execute();
  await db.schema.alterTable('wechat_pushes').addColumn('last_error', 'text').execute();
  await sql`update wechat_pushes set applied_at = received_at`.execute(db);
  await db.schema.createIndex('wechat_pushes_waiting_idx').on('wechat_pushes').columns(['applied_at', 'next_attempt_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('wechat_pushes_waiting_idx').execute();
  for (const column of ['last_error', 'lease_until', 'next_attempt_at', 'attempts', 'applied_at', 'body']) {
    await db.schema.alterTable('wechat_pushes').dropColumn(column).execute();
  }
}
