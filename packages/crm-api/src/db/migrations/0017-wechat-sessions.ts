import type { Kysely } from 'kysely';

/**
 * Sign-in with the WeChat a salesperson bound (POST /api/wechat-session). Every API token has a kind: `api` (the CLI's
 * and the demo's) or `wechat` (exchanged for a cloud function's vouch; short-lived, carries the openid it was issued
 * to, revoked when the binding is released). The vouches exchanged are remembered by nonce until they expire, so
 * each is used once.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('api_tokens').addColumn('kind', 'text', (col) => col.notNull().defaultTo('api')).execute();
  await db.schema.alterTable('api_tokens').addColumn('openid', 'text').execute();
  await db.schema
    .createTable('wechat_session_vouches')
    .addColumn('nonce', 'text', (col) => col.primaryKey())
    .addColumn('user_id', 'text', (col) => col.notNull().references('users.id'))
    .addColumn('used_at', 'text', (col) => col.notNull())
    .addColumn('expires_at', 'text', (col) => col.notNull())
    .execute();
  await db.schema.createIndex('wechat_session_vouches_expires_idx').on('wechat_session_vouches').column('expires_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('wechat_session_vouches').execute();
  await db.schema.alterTable('api_tokens').dropColumn('openid').execute();
  await db.schema.alterTable('api_tokens').dropColumn('kind').execute();
}
