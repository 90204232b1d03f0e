import type { Kysely } from 'kysely';

/**
 * The manager's console signs in with a cookie, not a bearer token a page's script could read: a session (the hash of
 * its opaque id, never the id), the one-time sign-in links that start one, and the sign-ins a phone confirms by
 * scanning a mini-program code. Each stores hashes only: a copy of the database signs nobody in.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('console_sessions')
    .addColumn('id_hash', 'text', (col) => col.primaryKey())
    .addColumn('user_id', 'text', (col) => col.notNull().references('users.id'))
    .addColumn('csrf_token', 'text', (col) => col.notNull())
    .addColumn('created_at', 'text', (col) => col.notNull())
    .addColumn('expires_at', 'text', (col) => col.notNull())
    .addColumn('ended_at', 'text')
    .execute();
  await db.schema.createIndex('console_sessions_user_idx').on('console_sessions').columns(['user_id', 'expires_at']).execute();
  await db.schema
    .createTable('console_sign_in_links')
    .addColumn('token_hash', 'text', (col) => col.primaryKey())
    .addColumn('user_id', 'text', (col) => col.notNull().references('users.id'))
    .addColumn('created_at', 'text', (col) => col.notNull())
    .addColumn('expires_at', 'text', (col) => col.notNull())
    .addColumn('used_at', 'text')
    .execute();
  await db.schema
    .createTable('console_sign_in_scans')
    .addColumn('id_hash', 'text', (col) => col.primaryKey())
    .addColumn('scene', 'text', (col) => col.notNull().unique())
    .addColumn('created_at', 'text', (col) => col.notNull())
    .addColumn('expires_at', 'text', (col) => col.notNull())
    .addColumn('user_id', 'text', (col) => col.references('users.id'))
    .addColumn('confirmed_at', 'text')
    .addColumn('completed_at', 'text')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('console_sign_in_scans').execute();
  await db.schema.dropTable('console_sign_in_links').execute();
  await db.schema.dropTable('console_sessions').execute();
}
