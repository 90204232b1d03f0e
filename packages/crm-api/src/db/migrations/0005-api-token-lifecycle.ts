import type { Kysely } from 'kysely';

/** Days a token that existed before expiry was introduced stays valid from this migration on. */
const EXISTING_TOKEN_DAYS = 90;

/**
 * API tokens expire, can be revoked one by one, and remember when they were last used. Tokens issued before this
 * migration get 90 days from now (not from their creation, which could lock every user out on upgrade).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('api_tokens').addColumn('expires_at', 'text').execute();
  await db.schema.alterTable('api_tokens').addColumn('revoked_at', 'text').execute();
  await db.schema.alterTable('api_tokens').addColumn('last_used_at', 'text').execute();
  const expiresAt = new Date(Date.now() + EXISTING_TOKEN_DAYS * 86_400_000).toISOString();
  await db.updateTable('api_tokens').set({ expires_at: expiresAt }).where('expires_at', 'is', null).execute();
  await db.schema.createIndex('api_tokens_user_idx').ifNotExists().on('api_tokens').column('user_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('api_tokens_user_idx').ifExists().execute();
  await db.schema.alterTable('api_tokens').dropColumn('last_used_at').execute();
  await db.schema.alterTable('api_tokens').dropColumn('revoked_at').execute();
  await db.schema.alterTable('api_tokens').dropColumn('expires_at').execute();
}
