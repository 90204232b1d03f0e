import type { Kysely } from 'kysely';

/**
 * What the message can show, snapshot at assignment time like the name (company, masked phone, source),
 * and an operator's request to send an `unconfirmed` delivery again.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  for (const column of ['customer_company', 'customer_phone', 'customer_source']) {
    await db.schema.alterTable('notification_customers').addColumn(column, 'text').execute();
  }
  await db.schema.alterTable('notifications').addColumn('resend_requested', 'integer', (col) => col.notNull().defaultTo(0)).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('notifications').dropColumn('resend_requested').execute();
  for (const column of ['customer_company', 'customer_phone', 'customer_source']) {
    await db.schema.alterTable('notification_customers').dropColumn(column).execute();
  }
}
