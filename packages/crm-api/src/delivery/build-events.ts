import type { DeliveryEventInput } from '@leadnotify/contracts';
import type { Kysely } from 'kysely';
import { customersByNotification, userNames, type Delivery } from '../db/outbox/index.js';
import type { Database } from '../db/schema.js';

/** The message shows the first customer and the count; the rest need not travel. */
const LISTED_CUSTOMERS = 20;

export async function buildNotificationEvents(db: Kysely<Database>, deliveries: Delivery[]): Promise<DeliveryEventInput[]> {
  const rowIds = deliveries.flatMap((delivery) => delivery.rows.map((row) => row.id));
  const actorIds = [...new Set(deliveries.flatMap((delivery) => delivery.rows.map((row) => row.actorId)))];
  const [customersByRow, actorNames] = await Promise.all([customersByNotification(db, rowIds), userNames(db, actorIds)]);

  return deliveries.map((delivery) => {
    const customers = delivery.rows.flatMap((row) => customersByRow.get(row.id) ?? []);
    const latest = delivery.rows[delivery.rows.length - 1] ?? delivery.rows[0];
    const leader = delivery.rows[0];
    if (!leader || !latest) throw new Error(`delivery ${delivery.deliveryId} has no rows`);
    const notes = [...new Set(delivery.rows.map((row) => row.note).filter((note): note is string => Boolean(note)))];
    return {
      deliveryId: delivery.deliveryId,
      assigneeId: delivery.assigneeId,
      customers: customers.slice(0, LISTED_CUSTOMERS),
      customerCount: customers.length,
      actor: { id: latest.actorId, name: actorNames.get(latest.actorId) ?? '系统' },
      channel: latest.channel,
      ...(notes.length > 0 ? { note: notes.join('；') } : {}),
      assignedAt: latest.createdAt,
    };
  });
}
