import type { Kysely } from 'kysely';

/**
 * A CRM user's WeCom (企业微信) userid, set by an admin: the second channel reaches them there. Unique where set: two
 * CRM users on one WeCom account would read each other's leads.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('users').addColumn('wecom_user_id', 'text').execute();
  await db.schema.createIndex('users_wecom_user_id').unique().on('users').column('wecom_user_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('users_wecom_user_id').execute();
  await db.schema.alterTable('users').dropColumn('wecom_user_id').execute();
}
