import { MAX_ACTOR_NAME_LENGTH, MAX_NOTE_LENGTH, type DeliveryEventInput } from '@leadnotify/contracts';
import type { OutboxCustomer } from '../../outbox/read.js';
import type { LeadMessage } from '../channel.js';

/** The message shows the first customer and the count; the rest need not travel. */
const LISTED_CUSTOMERS = 20;

/** The cloud function's event for one message: one subscribe message to its assignee. */
export function buildDeliveryEvent(message: LeadMessage): DeliveryEventInput {
  const latest = message.assigners.at(-1) ?? { id: undefined, name: '系统' };
  return {
    deliveryId: message.deliveryId,
    assigneeId: message.assigneeId,
    customers: message.customers.slice(0, LISTED_CUSTOMERS).map(toEventCustomer),
    customerCount: message.customers.length,
    actor: message.assigners.length > 1 ? { name: severalAssigners(latest.name, message.assigners.length) } : { ...(latest.id ? { id: latest.id } : {}), name: latest.name },
    via: message.via,
    ...(message.notes.length > 0 ? { note: cut(message.notes.join('；'), MAX_NOTE_LENGTH) } : {}),
    assignedAt: message.assignedAt,
  };
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
