import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Actor } from '../auth/actor.js';
import type { AssignmentChannel, CustomerRow } from '../db/schema.js';
import { chunk, type Trx } from '../db/transaction.js';

export const queuedNotificationSchema = z
  .object({ id: z.string(), assigneeId: z.string(), status: z.literal('pending') })
  .meta({ id: 'QueuedNotification', description: 'The outbox row written with the assignment; delivery follows asynchronously.' });
export type QueuedNotification = z.infer<typeof queuedNotificationSchema>;

/**
 * Writes the outbox row for one assignee inside the assignment's transaction: the assignment and the
 * promise to notify commit together or not at all. Delivery happens later, outside the request.
 */
export async function queueAssignmentNotification(
  trx: Trx,
  input: {
    assigneeId: string;
    actor: Actor;
    channel: AssignmentChannel;
    note: string | null;
    customers: CustomerRow[];
    now: string;
    /** When delivery may start: now, or the end of the digest window. */
    dueAt: string;
  },
): Promise<QueuedNotification> {
  const id = randomUUID();
  await trx
    .insertInto('notifications')
    .values({
      id,
      assignee_id: input.assigneeId,
      actor_id: input.actor.id,
      channel: input.channel,
      note: input.note,
      status: 'pending',
      attempts: 0,
      next_attempt_at: input.dueAt,
      created_at: input.now,
      updated_at: input.now,
    })
    .execute();
  const links = input.customers.map((customer, position) => ({
    notification_id: id,
    customer_id: customer.id,
    customer_name: customer.name,
    position,
  }));
  for (const part of chunk(links, 200)) await trx.insertInto('notification_customers').values(part).execute();
  return { id, assigneeId: input.assigneeId, status: 'pending' };
}
