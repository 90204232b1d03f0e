import type { Kysely } from 'kysely';

/**
 * Reachability reads a user's newest subscription count with every assignment (db/reachability-store.ts). Ordered
 * by this index (newest first, the key breaking ties), that is a probe; by crm_user_id alone each read sorted.
 * It also serves every lookup the old one-column index did.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('wechat_subscriptions_user_newest_idx')
    .on('wechat_subscriptions')
    .columns(['crm_user_id', 'updated_at', 'openid', 'template_id'])
    .execute();
  await db.schema.dropIndex('wechat_subscriptions_user_idx').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('wechat_subscriptions_user_idx').on('wechat_subscriptions').column('crm_user_id').execute();
  await db.schema.dropIndex('wechat_subscriptions_user_newest_idx').execute();
}
