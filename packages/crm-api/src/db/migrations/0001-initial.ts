import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('users')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('name', 'text', (col) => col.notNull())
    .addColumn('role', 'text', (col) => col.notNull())
    .addColumn('active', 'integer', (col) => col.notNull().defaultTo(1))
    .addColumn('created_at', 'text', (col) => col.notNull())
    .addColumn('updated_at', 'text', (col) => col.notNull())
    .addCheckConstraint('users_role_check', sql`role in ('admin', 'manager', 'sales')`)
    .execute();

  await db.schema
    .createTable('api_tokens')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('user_id', 'text', (col) => col.notNull().references('users.id'))
    .addColumn('token_hash', 'text', (col) => col.notNull().unique())
    .addColumn('created_at', 'text', (col) => col.notNull())
    .execute();

  await db.schema
    .createTable('customers')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('name', 'text', (col) => col.notNull())
    .addColumn('phone', 'text')
    .addColumn('company', 'text')
    .addColumn('source', 'text')
    .addColumn('status', 'text', (col) => col.notNull())
    .addColumn('owner_id', 'text', (col) => col.references('users.id'))
    .addColumn('assigned_at', 'text')
    .addColumn('version', 'integer', (col) => col.notNull().defaultTo(1))
    .addColumn('created_at', 'text', (col) => col.notNull())
    .addColumn('updated_at', 'text', (col) => col.notNull())
    .execute();
  await db.schema.createIndex('customers_owner_idx').on('customers').columns(['owner_id', 'created_at', 'id']).execute();
  await db.schema.createIndex('customers_created_idx').on('customers').columns(['created_at', 'id']).execute();

  await db.schema
    .createTable('assignments')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('customer_id', 'text', (col) => col.notNull().references('customers.id'))
    .addColumn('from_owner_id', 'text', (col) => col.references('users.id'))
    .addColumn('to_owner_id', 'text', (col) => col.references('users.id'))
    .addColumn('actor_id', 'text', (col) => col.notNull().references('users.id'))
    .addColumn('channel', 'text', (col) => col.notNull())
    .addColumn('note', 'text')
    .addColumn('created_at', 'text', (col) => col.notNull())
    .addColumn('customer_version', 'integer', (col) => col.notNull())
    .execute();
  await db.schema.createIndex('assignments_customer_idx').on('assignments').columns(['customer_id', 'customer_version']).execute();
  await db.schema.createIndex('assignments_to_owner_idx').on('assignments').columns(['to_owner_id', 'channel', 'created_at']).execute();
  await db.schema.createIndex('assignments_from_owner_idx').on('assignments').columns(['from_owner_id', 'customer_id']).execute();

  await db.schema
    .createTable('notifications')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('assignee_id', 'text', (col) => col.notNull().references('users.id'))
    .addColumn('actor_id', 'text', (col) => col.notNull().references('users.id'))
    .addColumn('channel', 'text', (col) => col.notNull())
    .addColumn('note', 'text')
    .addColumn('status', 'text', (col) => col.notNull())
    .addColumn('attempts', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'text', (col) => col.notNull())
    .addColumn('created_at', 'text', (col) => col.notNull())
    .addColumn('updated_at', 'text', (col) => col.notNull())
    .execute();
  await db.schema.createIndex('notifications_due_idx').on('notifications').columns(['status', 'next_attempt_at']).execute();
  await db.schema.createIndex('notifications_assignee_idx').on('notifications').columns(['assignee_id', 'created_at']).execute();

  await db.schema
    .createTable('notification_customers')
    .addColumn('notification_id', 'text', (col) => col.notNull().references('notifications.id'))
    .addColumn('customer_id', 'text', (col) => col.notNull().references('customers.id'))
    .addColumn('customer_name', 'text', (col) => col.notNull())
    .addColumn('position', 'integer', (col) => col.notNull())
    .addPrimaryKeyConstraint('notification_customers_pk', ['notification_id', 'customer_id'])
    .execute();
  await db.schema.createIndex('notification_customers_customer_idx').on('notification_customers').column('customer_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['notification_customers', 'notifications', 'assignments', 'customers', 'api_tokens', 'users']) {
    await db.schema.dropTable(table).execute();
  }
}
