import type { AssignedVia } from '@leadnotify/contracts';
import { sql, type Kysely } from 'kysely';
import type { Database, NotificationRow } from '../../db/schema.js';
import type { Trx } from '../../db/transaction.js';
import type { Message } from '../states/transition.js';
import { BACKLOG, SKIPPED, type NotificationStatus } from '../states/statuses.js';

/** Reads of the outbox: messages for the state machine, the notifications API, the channel's content, the backlog. */

/** The delivery id a row goes (or went, or would first go) out under. */
export const deliveryIdOf = (row: Pick<NotificationRow, 'id' | 'delivery_id'>): string => row.delivery_id ?? row.id;

/** Rows grouped into messages: each delivery id's rows, oldest first. */
export function messagesOf(rows: readonly NotificationRow[]): Array<Message & { assigneeId: string; rowsOf: NotificationRow[] }> {
  const byDelivery = new Map<string, NotificationRow[]>();
  for (const row of rows) byDelivery.set(deliveryIdOf(row), [...(byDelivery.get(deliveryIdOf(row)) ?? []), row]);
  return [...byDelivery].map(([deliveryId, group]) => messageOf(deliveryId, group));
}

/** One message from its rows; its state is its first row's (a message's rows share one). */
export function messageOf(deliveryId: string, rows: readonly NotificationRow[]): Message & { assigneeId: string; rowsOf: NotificationRow[] } {
  const sorted = [...rows].sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id));
  const first = sorted[0];
  if (!first) throw new Error(`message ${deliveryId} has no rows`);
  return {
    deliveryId,
    assigneeId: first.assignee_id,
    status: first.status,
    rows: sorted.map((row) => ({ id: row.id, attempts: row.attempts, createdAt: row.created_at })),
    fateUnknown: sorted.some((row) => row.fate_unknown === 1),
    confirmed: first.confirmed_at !== null,
    resentForNoReceipt: first.no_receipt_resent === 1,
    reason: first.reason,
    rowsOf: sorted,
  };
}

/** Every row of the messages the given rows belong to, in `statuses`. */
export async function readMessagesOfRows(db: Trx, rowIds: readonly string[], statuses: readonly NotificationStatus[]): Promise<NotificationRow[]> {
  if (rowIds.length === 0) return [];
  return db
    .selectFrom('notifications')
    .selectAll()
    .where('status', 'in', statuses)
    .where((eb) =>
      eb.or([
        eb('id', 'in', rowIds),
        eb('delivery_id', 'in', eb.selectFrom('notifications as asked').select('asked.delivery_id').where('asked.id', 'in', rowIds).where('asked.status', 'in', statuses)),
      ]),
    )
    .execute();
}

export async function readRowsOfDeliveries(db: Trx, deliveryIds: readonly string[]): Promise<NotificationRow[]> {
  if (deliveryIds.length === 0) return [];
  return db.selectFrom('notifications').selectAll().where('delivery_id', 'in', deliveryIds).execute();
}

export async function findNotificationRow(db: Trx, id: string): Promise<NotificationRow | undefined> {
  return db.selectFrom('notifications').selectAll().where('id', '=', id).executeTakeFirst();
}

export interface NotificationRowFilter {
  assigneeId?: string | undefined;
  status?: NotificationStatus | undefined;
  /** The reason of the last attempt (NOT_BOUND, a WeChat error code, …). */
  reason?: string | undefined;
  customerId?: string | undefined;
  /** The rows of one message, by the delivery id they are (or were last) delivered under. */
  deliveryId?: string | undefined;
  /** created_at at or after this (ISO, UTC). */
  from?: string | undefined;
  /** created_at before this (ISO, UTC). */
  to?: string | undefined;
}

function filtered(db: Trx, filter: NotificationRowFilter) {
  let query = db.selectFrom('notifications');
  if (filter.assigneeId !== undefined) query = query.where('assignee_id', '=', filter.assigneeId);
  if (filter.status) query = query.where('status', '=', filter.status);
  if (filter.reason !== undefined) query = query.where('reason', '=', filter.reason);
  if (filter.deliveryId !== undefined) query = query.where('delivery_id', '=', filter.deliveryId);
  if (filter.from !== undefined) query = query.where('created_at', '>=', filter.from);
  if (filter.to !== undefined) query = query.where('created_at', '<', filter.to);
  const customerId = filter.customerId;
  if (customerId) {
    query = query.where('id', 'in', (eb) => eb.selectFrom('notification_customers').select('notification_id').where('customer_id', '=', customerId));
  }
  return query;
}

/** Newest first (created_at, then id), after `after` when given: keyset paging, as fast on page 500 as on page 1. */
export async function listNotificationRows(db: Trx, filter: NotificationRowFilter & { after?: { createdAt: string; id: string } | undefined; limit: number }): Promise<NotificationRow[]> {
  let query = filtered(db, filter).selectAll('notifications');
  const after = filter.after;
  if (after) {
    query = query.where((eb) => eb.or([eb('created_at', '<', after.createdAt), eb.and([eb('created_at', '=', after.createdAt), eb('id', '<', after.id)])]));
  }
  return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(filter.limit).execute();
}

/** The ids of rows in one of `statuses` the filter matches, oldest first, at most `limit`. */
export async function readRowIdsWithStatus(db: Trx, filter: NotificationRowFilter, statuses: readonly NotificationStatus[], limit: number): Promise<string[]> {
  const rows = await filtered(db, filter).select('id').where('status', 'in', statuses).orderBy('created_at').orderBy('id').limit(limit).execute();
  return rows.map((row) => row.id);
}

/** How many rows the filter matches, on every page. */
export async function countNotificationRows(db: Trx, filter: NotificationRowFilter): Promise<number> {
  const row = await filtered(db, filter)
    .select((eb) => eb.fn.countAll<string | number>().as('count'))
    .executeTakeFirstOrThrow();
  return Number(row.count);
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
export async function customersByNotification(db: Trx, notificationIds: readonly string[]): Promise<Map<string, OutboxCustomer[]>> {
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
export async function currentOwners(db: Trx, customerIds: readonly string[]): Promise<Map<string, string | null>> {
  if (customerIds.length === 0) return new Map();
  const rows = await db.selectFrom('customers').select(['id', 'owner_id']).where('id', 'in', customerIds).execute();
  return new Map(rows.map((row) => [row.id, row.owner_id]));
}

/** Names and whether each user is active. */
export async function usersByIds(db: Trx, ids: readonly string[]): Promise<Map<string, { name: string; active: boolean }>> {
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom('users').select(['id', 'name', 'active']).where('id', 'in', ids).execute();
  return new Map(rows.map((row) => [row.id, { name: row.name, active: row.active === 1 }]));
}

/** The earliest attempt under each delivery id: before it, the message cannot have reached WeChat. */
export async function firstAttemptTimes(db: Trx, deliveryIds: readonly string[]): Promise<Map<string, string>> {
  if (deliveryIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('notification_attempts')
    .select(['delivery_id', (eb) => eb.fn.min('started_at').as('first')])
    .where('delivery_id', 'in', deliveryIds)
    .groupBy('delivery_id')
    .execute();
  return new Map(rows.flatMap((row) => (row.first ? [[row.delivery_id, row.first] as [string, string]] : [])));
}

/** Rows waiting or in flight, by status, and the age of the oldest: the backlog gauges. */
export async function readBacklog(db: Kysely<Database>): Promise<{ counts: Map<(typeof BACKLOG)[number], number>; oldestCreatedAt: string | null }> {
  const rows = await db
    .selectFrom('notifications')
    .select(['status', (eb) => eb.fn.countAll<string | number>().as('count'), (eb) => eb.fn.min('created_at').as('oldest')])
    .where('status', 'in', BACKLOG)
    .groupBy('status')
    .execute();
  const counts = new Map<(typeof BACKLOG)[number], number>(BACKLOG.map((status) => [status, 0]));
  let oldestCreatedAt: string | null = null;
  for (const row of rows) {
    counts.set(row.status as (typeof BACKLOG)[number], Number(row.count));
    if (row.oldest && (oldestCreatedAt === null || row.oldest < oldestCreatedAt)) oldestCreatedAt = row.oldest;
  }
  return { counts, oldestCreatedAt };
}

/** For a message's text: how each row was assigned. */
export interface RowContent {
  id: string;
  actorId: string;
  via: AssignedVia;
  note: string | null;
  createdAt: string;
}

export function rowContent(row: NotificationRow): RowContent {
  return { id: row.id, actorId: row.actor_id, via: row.via, note: row.note, createdAt: row.created_at };
}


/** A user's skipped rows created since `since` (or only those of `only` still skipped). */
export async function readSkippedRows(db: Trx, userId: string, options: { since: string; only?: readonly string[] | undefined }): Promise<NotificationRow[]> {
  let query = db.selectFrom('notifications').selectAll().where('assignee_id', '=', userId).where('status', '=', SKIPPED).where('created_at', '>=', options.since);
  if (options.only) query = options.only.length > 0 ? query.where('id', 'in', options.only) : query.where(sql<boolean>`false`);
  return query.execute();
}
