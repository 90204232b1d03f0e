import type { Kysely } from 'kysely';
import type { Database, NotificationRow, NotificationStatus } from '../schema.js';
import type { Trx } from '../transaction.js';

/** Reads of the outbox: for the notifications API, the delivery events and the backlog metrics. */

export async function findNotificationRow(db: Trx, id: string): Promise<NotificationRow | undefined> {
  return db.selectFrom('notifications').selectAll().where('id', '=', id).executeTakeFirst();
}

export interface NotificationRowFilter {
  assigneeId?: string | undefined;
  status?: NotificationStatus | undefined;
  customerId?: string | undefined;
  /** The rows of one message, by the delivery id they are (or were last) delivered under. */
  deliveryId?: string | undefined;
  limit: number;
}

/** Newest first. */
export async function listNotificationRows(db: Trx, filter: NotificationRowFilter): Promise<NotificationRow[]> {
  let query = db.selectFrom('notifications').selectAll('notifications');
  if (filter.assigneeId !== undefined) query = query.where('assignee_id', '=', filter.assigneeId);
  if (filter.status) query = query.where('status', '=', filter.status);
  if (filter.deliveryId !== undefined) query = query.where('delivery_id', '=', filter.deliveryId);
  const customerId = filter.customerId;
  if (customerId) {
    query = query.where('id', 'in', (eb) => eb.selectFrom('notification_customers').select('notification_id').where('customer_id', '=', customerId));
  }
  return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(filter.limit).execute();
}

/** A customer as snapshot into the outbox at assignment time. */
export interface OutboxCustomer {
  id: string;
  name: string;
  company: string | null;
  /** Masked. */
  phone: string | null;
  source: string | null;
}

/** Each notification's customers as snapshot at assignment time, in assignment order. */
export async function customersByNotification(db: Trx, notificationIds: string[]): Promise<Map<string, OutboxCustomer[]>> {
  const byNotification = new Map<string, OutboxCustomer[]>();
  if (notificationIds.length === 0) return byNotification;
  const links = await db
    .selectFrom('notification_customers')
    .select(['notification_id', 'customer_id', 'customer_name', 'customer_company', 'customer_phone', 'customer_source'])
    .where('notification_id', 'in', notificationIds)
    .orderBy('notification_id')
    .orderBy('position')
    .execute();
  for (const link of links) {
    const list = byNotification.get(link.notification_id) ?? [];
    list.push({ id: link.customer_id, name: link.customer_name, company: link.customer_company, phone: link.customer_phone, source: link.customer_source });
    byNotification.set(link.notification_id, list);
  }
  return byNotification;
}

export async function listAttemptRows(db: Trx, notificationId: string) {
  return db.selectFrom('notification_attempts').selectAll().where('notification_id', '=', notificationId).orderBy('attempt').orderBy('finished_at').execute();
}

/** Whom each customer belongs to now (null: the pool). */
export async function currentOwners(db: Trx, customerIds: string[]): Promise<Map<string, string | null>> {
  if (customerIds.length === 0) return new Map();
  const rows = await db.selectFrom('customers').select(['id', 'owner_id']).where('id', 'in', customerIds).execute();
  return new Map(rows.map((row) => [row.id, row.owner_id]));
}

export async function userNames(db: Trx, ids: string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom('users').select(['id', 'name']).where('id', 'in', ids).execute();
  return new Map(rows.map((row) => [row.id, row.name]));
}

/** Rows waiting or in flight, by status, and the age of the oldest: the backlog gauges. */
export async function readBacklog(db: Kysely<Database>): Promise<{ counts: Map<'pending' | 'sending', number>; oldestCreatedAt: string | null }> {
  const rows = await db
    .selectFrom('notifications')
    .select(['status', (eb) => eb.fn.countAll<string | number>().as('count'), (eb) => eb.fn.min('created_at').as('oldest')])
    .where('status', 'in', ['pending', 'sending'])
    .groupBy('status')
    .execute();
  const counts = new Map<'pending' | 'sending', number>([
    ['pending', 0],
    ['sending', 0],
  ]);
  let oldestCreatedAt: string | null = null;
  for (const row of rows) {
    counts.set(row.status as 'pending' | 'sending', Number(row.count));
    if (row.oldest && (oldestCreatedAt === null || row.oldest < oldestCreatedAt)) oldestCreatedAt = row.oldest;
  }
  return { counts, oldestCreatedAt };
}
