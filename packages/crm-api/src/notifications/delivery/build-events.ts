import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { DeliveryEventInput } from '@leadnotify/contracts';
import type { Delivery } from './types.js';

/** The message shows the first customer and the count; the rest need not travel. */
const LISTED_CUSTOMERS = 20;

export async function buildNotificationEvents(db: Kysely<Database>, deliveries: Delivery[]): Promise<DeliveryEventInput[]> {
  const rowIds = deliveries.flatMap((delivery) => delivery.rows.map((row) => row.id));
  const actorIds = [...new Set(deliveries.flatMap((delivery) => delivery.rows.map((row) => row.actorId)))];
  const [links, actors] = await Promise.all([
    db
      .selectFrom('notification_customers')
      .select(['notification_id', 'customer_id', 'customer_name'])
      .where('notification_id', 'in', rowIds)
      .orderBy('notification_id')
      .orderBy('position')
      .execute(),
    db.selectFrom('users').select(['id', 'name']).where('id', 'in', actorIds).execute(),
  ]);
  const customersByRow = new Map<string, Array<{ id: string; name: string }>>();
  for (const link of links) {
    const list = customersByRow.get(link.notification_id) ?? [];
    list.push({ id: link.customer_id, name: link.customer_name });
    customersByRow.set(link.notification_id, list);
  }
  const actorNames = new Map(actors.map((actor) => [actor.id, actor.name]));

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
