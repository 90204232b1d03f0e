import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database, NotificationsTable } from '../../src/db/schema.js';
import { chunk } from '../../src/db/transaction.js';

export interface SeededNotification {
  assigneeId: string;
  createdAt: string;
  status?: NotificationsTable['status'];
  reason?: string | null;
  channel?: string | null;
  sentAt?: string | null;
  updatedAt?: string;
  customerName?: string;
  /** Whom it went to: WeChat showed the binding. */
  openid?: string;
  id?: string;
}

/**
 * Notifications written as rows, as the notifier would have left them: histories too long or too precise in time to
 * make through assignments (paging, the overview's days).
 */
export async function seedNotifications(db: Kysely<Database>, by: { actorId: string; customerId: string }, rows: readonly SeededNotification[]): Promise<string[]> {
  const { actorId, customerId } = by;
  const ids: string[] = [];
  const records = rows.map((row) => {
    const id = row.id ?? randomUUID();
    ids.push(id);
    return {
      notification: {
        id,
        assignee_id: row.assigneeId,
        actor_id: actorId,
        via: 'web' as const,
        note: null,
        status: row.status ?? 'sent',
        attempts: 1,
        next_attempt_at: row.createdAt,
        created_at: row.createdAt,
        updated_at: row.updatedAt ?? row.sentAt ?? row.createdAt,
        lease_owner: null,
        lease_until: null,
        delivery_id: id,
        reason: row.reason === undefined ? ((row.status ?? 'sent') === 'sent' ? 'SENT' : null) : row.reason,
        last_error: null,
        sent_at: row.sentAt ?? null,
        wechat_openid: row.openid ?? null,
        confirmed_at: null,
        template_id: null,
        msg_id: null,
        channel: row.channel ?? null,
        tried_at: null,
      },
      customer: { notification_id: id, customer_id: customerId, customer_name: row.customerName ?? '客户', customer_company: null, customer_phone: null, customer_source: null, position: 0 },
    };
  });
  for (const part of chunk(records, 200)) {
    await db.insertInto('notifications').values(part.map((record) => record.notification)).execute();
    await db.insertInto('notification_customers').values(part.map((record) => record.customer)).execute();
  }
  return ids;
}
