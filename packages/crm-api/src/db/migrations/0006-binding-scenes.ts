import type { Kysely } from 'kysely';

/**
 * Binding codes: the short, single-use, expiring `scene` a mini-program code carries (WeChat allows 32
 * characters; the signed ticket does not fit), exchanged by the kit's bind page for a binding ticket.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('binding_scenes')
    .addColumn('code', 'text', (col) => col.primaryKey())
    .addColumn('user_id', 'text', (col) => col.notNull().references('users.id'))
    .addColumn('created_at', 'text', (col) => col.notNull())
    .addColumn('expires_at', 'text', (col) => col.notNull())
    .addColumn('used_at', 'text')
    .execute();
  await db.schema.createIndex('binding_scenes_user_idx').on('binding_scenes').columns(['user_id', 'created_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('binding_scenes').execute();
}
