import { MAX_ACTOR_NAME_LENGTH, MAX_NOTE_LENGTH, type DeliveryEventInput } from '@leadnotify/contracts';
import type { Kysely } from 'kysely';
import { currentOwners, customersByNotification, userNames, type Delivery, type OutboxCustomer } from '../db/outbox/index.js';
import type { Database } from '../db/schema.js';

/** The message shows the first customer and the count; the rest need not travel. */
const LISTED_CUSTOMERS = 20;

export interface BuiltEvents {
  /** What goes to the function: one event per delivery left to send. */
  events: DeliveryEventInput[];
  /** The deliveries the events are for, with only their rows that still name one of the assignee's customers. */
  sending: Delivery[];
  /** Rows none of whose customers is the assignee's any more, by delivery: nothing to send for them. */
  withdrawn: Delivery[];
}

/**
 * The cloud function's events for claimed deliveries. A message names only the customers that are still the
 * assignee's: one assigned to someone else (or released to the pool) before its message went out — WeChat was
 * down, a digest window, a retry's backoff — is the new owner's to hear about, not theirs.
 */
export async function buildNotificationEvents(db: Kysely<Database>, deliveries: Delivery[]): Promise<BuiltEvents> {
  const rowIds = deliveries.flatMap((delivery) => delivery.rows.map((row) => row.id));
  const actorIds = [...new Set(deliveries.flatMap((delivery) => delivery.rows.map((row) => row.actorId)))];
  const [customersByRow, actorNames] = await Promise.all([customersByNotification(db, rowIds), userNames(db, actorIds)]);
  const owners = await currentOwners(db, [...new Set([...customersByRow.values()].flat().map((customer) => customer.id))]);

  const built: BuiltEvents = { events: [], sending: [], withdrawn: [] };
  for (const whole of deliveries) {
    const stillTheirs = whole.rows.map((row) => ({
      row,
      customers: (customersByRow.get(row.id) ?? []).filter((customer) => owners.get(customer.id) === whole.assigneeId),
    }));
    const rows = stillTheirs.filter(({ customers }) => customers.length > 0).map(({ row }) => row);
    if (rows.length < whole.rows.length) built.withdrawn.push({ ...whole, rows: stillTheirs.filter(({ customers }) => customers.length === 0).map(({ row }) => row) });
    if (rows.length === 0) continue;
    const delivery = { ...whole, rows };
    built.sending.push(delivery);
    // A customer assigned away and back is named by two rows: once in the message.
    const customers = [...new Map(stillTheirs.flatMap(({ customers }) => customers).map((customer) => [customer.id, customer])).values()];
    const latest = delivery.rows[delivery.rows.length - 1];
    if (!latest) throw new Error(`delivery ${delivery.deliveryId} has no rows`);
    const notes = [...new Set(delivery.rows.map((row) => row.note).filter((note): note is string => Boolean(note)))];
    const actorIdsOfDelivery = [...new Set(delivery.rows.map((row) => row.actorId))];
    const latestName = actorNames.get(latest.actorId) ?? '系统';
    built.events.push({
      deliveryId: delivery.deliveryId,
      assigneeId: delivery.assigneeId,
      customers: customers.slice(0, LISTED_CUSTOMERS).map(toEventCustomer),
      customerCount: customers.length,
      actor: actorIdsOfDelivery.length > 1 ? { name: severalAssigners(latestName, actorIdsOfDelivery.length) } : { id: latest.actorId, name: latestName },
      via: latest.via,
      ...(notes.length > 0 ? { note: cut(notes.join('；'), MAX_NOTE_LENGTH) } : {}),
      assignedAt: latest.createdAt,
    });
  }
  return built;
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
