import { MAX_ACTOR_NAME_LENGTH, MAX_NOTE_LENGTH, type DeliveryEventInput } from '@leadnotify/contracts';
import type { Kysely } from 'kysely';
import { customersByNotification, userNames, type Delivery, type OutboxCustomer } from '../db/outbox/index.js';
import type { Database } from '../db/schema.js';

/** The message shows the first customer and the count; the rest need not travel. */
const LISTED_CUSTOMERS = 20;

export async function buildNotificationEvents(db: Kysely<Database>, deliveries: Delivery[]): Promise<DeliveryEventInput[]> {
  const rowIds = deliveries.flatMap((delivery) => delivery.rows.map((row) => row.id));
  const actorIds = [...new Set(deliveries.flatMap((delivery) => delivery.rows.map((row) => row.actorId)))];
  const [customersByRow, actorNames] = await Promise.all([customersByNotification(db, rowIds), userNames(db, actorIds)]);

  return deliveries.map((delivery) => {
    const customers = delivery.rows.flatMap((row) => customersByRow.get(row.id) ?? []);
    const latest = delivery.rows[delivery.rows.length - 1];
    if (!latest) throw new Error(`delivery ${delivery.deliveryId} has no rows`);
    const notes = [...new Set(delivery.rows.map((row) => row.note).filter((note): note is string => Boolean(note)))];
    const actorIdsOfDelivery = [...new Set(delivery.rows.map((row) => row.actorId))];
    const latestName = actorNames.get(latest.actorId) ?? '系统';
    return {
      deliveryId: delivery.deliveryId,
      assigneeId: delivery.assigneeId,
      customers: customers.slice(0, LISTED_CUSTOMERS).map(toEventCustomer),
      customerCount: customers.length,
      actor: actorIdsOfDelivery.length > 1 ? { name: severalAssigners(latestName, actorIdsOfDelivery.length) } : { id: latest.actorId, name: latestName },
      channel: latest.channel,
      ...(notes.length > 0 ? { note: cut(notes.join('；'), MAX_NOTE_LENGTH) } : {}),
      assignedAt: latest.createdAt,
    };
  });
}

/**
 * A digest merging several assigners names the latest and counts the rest: "王经理等2人". Each name fits the event
 * alone; with the count it may not, and an event over a limit would never be delivered.
 */
function severalAssigners(latestName: string, count: number): string {
  const suffix = `等${count}人`;
  return `${cut(latestName, MAX_ACTOR_NAME_LENGTH - suffix.length)}${suffix}`;
}

/** `text` cut to at most `max` UTF-16 units (as the event's limits count), never inside a surrogate pair, '…' marking a cut. */
function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  if (/[\ud800-\udbff]/.test(text[end - 1] ?? '')) end -= 1;
  return `${text.slice(0, end)}…`;
}

function toEventCustomer(customer: OutboxCustomer): DeliveryEventInput['customers'][number] {
  return {
    id: customer.id,
    name: customer.name,
    ...(customer.company ? { company: customer.company } : {}),
    ...(customer.phone ? { phone: customer.phone } : {}),
    ...(customer.source ? { source: customer.source } : {}),
  };
}
