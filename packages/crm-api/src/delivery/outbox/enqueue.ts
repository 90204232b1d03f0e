import { randomUUID } from 'node:crypto';
import type { AssignedVia } from '@leadnotify/contracts';
import type { Insertable } from 'kysely';
import { prepared } from '../../db/prepared.js';
import type { CustomerRow, NotificationCustomersTable, NotificationsTable } from '../../db/schema.js';
import { chunk, type Trx } from '../../db/transaction.js';
import { QUEUED } from '../states/statuses.js';

/** The outbox row written with an assignment; delivery follows asynchronously. */
export interface QueuedNotification {
  id: string;
  assigneeId: string;
  status: typeof QUEUED;
}

/**
 * Writes the outbox row for one assignee inside the assignment's transaction: the assignment and the
 * promise to notify commit together or not at all. Delivery happens later, outside the request.
 */
export async function queueAssignmentNotification(
  trx: Trx,
  input: {
    assigneeId: string;
    actorId: string;
    via: AssignedVia;
    note: string | null;
    customers: CustomerRow[];
    now: string;
    /** When delivery may start: now, or the end of the digest window. */
    dueAt: string;
  },
): Promise<QueuedNotification> {
  const id = randomUUID();
  await insertNotification(trx, {
    id,
    assignee_id: input.assigneeId,
    actor_id: input.actorId,
    via: input.via,
    note: input.note,
    status: QUEUED,
    attempts: 0,
    next_attempt_at: input.dueAt,
    created_at: input.now,
    updated_at: input.now,
  });
  const links = input.customers.map((customer, position) => ({
    notification_id: id,
    customer_id: customer.id,
    customer_name: customer.name,
    customer_company: customer.company,
    customer_phone: customer.phone === null ? null : maskPhone(customer.phone),
    customer_source: customer.source,
    position,
  }));
  for (const part of chunk(links, 200)) await insertLinks(trx, part);
  return { id, assigneeId: input.assigneeId, status: QUEUED };
}

const insertNotification = prepared((db, row: Insertable<NotificationsTable>) => db.insertInto('notifications').values(row));
const insertLinks = prepared((db, rows: Array<Insertable<NotificationCustomersTable>>) => db.insertInto('notification_customers').values(rows));

/**
 * 138****0000: the first three and last four digits, enough to recognise a number without handing it to
 * WeChat or the outbox. Shorter numbers keep only their last two digits.
 */
export function maskPhone(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  if (digits.length >= 7) return `${digits.slice(0, 3)}****${digits.slice(-4)}`;
  return digits.length > 2 ? `${'*'.repeat(digits.length - 2)}${digits.slice(-2)}` : '**';
}
