import { randomUUID } from 'node:crypto';
import type { Actor } from '../auth/actor.js';
import type { AppContext } from '../context.js';
import type { AssignmentChannel, CustomerRow } from '../db/schema.js';
import { chunk, type Trx } from '../db/transaction.js';
import { z } from 'zod';
import { customerViewSchema, toCustomerView } from '../customers/customers.js';
import { ApiError } from '../http/api-error.js';
import { queueAssignmentNotification, queuedNotificationSchema } from '../notifications/outbox.js';
import { checkPoolRules, poolRulesFrom } from './pool-rules.js';

export interface AssignCommand {
  actor: Actor;
  customerIds: string[];
  assigneeId: string;
  channel: AssignmentChannel;
  note?: string | undefined;
  /** Only customers in the pool may be taken (the pool operation). */
  fromPoolOnly: boolean;
  /** A sales user claiming for themselves: the pool rules apply. */
  enforcePoolRules: boolean;
}

export const assignOutcomeSchema = z
  .object({
    customers: z.array(customerViewSchema).describe('every requested customer after the commit, in request order'),
    changedIds: z.array(z.string()),
    unchangedIds: z.array(z.string()).describe('already owned by the assignee: nothing was written for them'),
    notifications: z.array(queuedNotificationSchema),
    message: z.string(),
  })
  .meta({ id: 'BatchAssignment' });
export type AssignOutcome = z.infer<typeof assignOutcomeSchema>;

/**
 * The one transaction behind all four assignment operations: ownership, history and the outbox row
 * commit together. Delivery is signalled only after the commit and never awaited.
 */
export async function assignCustomers(ctx: AppContext, command: AssignCommand): Promise<AssignOutcome> {
  const customerIds = [...new Set(command.customerIds)];
  const outcome = await ctx.db.kysely.transaction().execute((trx) => assignInTransaction(ctx, trx, { ...command, customerIds }));
  ctx.metrics?.countAssignments(command.channel, outcome.changedIds.length);
  if (outcome.notifications.length > 0) ctx.signal.notificationsQueued(outcome.notifications.map((n) => n.id));
  return outcome;
}

async function assignInTransaction(ctx: AppContext, trx: Trx, command: AssignCommand): Promise<AssignOutcome> {
  const nowMs = ctx.clock.now();
  const now = new Date(nowMs).toISOString();
  const lockRows = ctx.db.engine === 'postgres';

  let assigneeQuery = trx.selectFrom('users').selectAll().where('id', '=', command.assigneeId);
  // Locking the claimer's row serialises their concurrent claims, so the pool limits hold.
  if (lockRows && command.enforcePoolRules) assigneeQuery = assigneeQuery.forUpdate();
  const assignee = await assigneeQuery.executeTakeFirst();
  if (!assignee) throw new ApiError({ code: 'USER_NOT_FOUND', message: `No user with id ${command.assigneeId}` });
  if (assignee.active !== 1) {
    throw new ApiError({ code: 'ASSIGNEE_INACTIVE', message: `${assignee.name} is deactivated and cannot receive customers` });
  }

  const found = await loadCustomers(trx, command.customerIds, lockRows);
  const missingIds = command.customerIds.filter((id) => !found.has(id));
  if (missingIds.length > 0) {
    throw new ApiError({
      code: 'CUSTOMER_NOT_FOUND',
      message: missingIds.length === 1 ? `No customer with id ${missingIds[0]}` : `${missingIds.length} customers do not exist`,
      details: { missingIds },
    });
  }
  const requested = command.customerIds.map((id) => found.get(id) as CustomerRow);
  if (command.fromPoolOnly) {
    const takenIds = requested.filter((c) => c.owner_id !== null && c.owner_id !== assignee.id).map((c) => c.id);
    if (takenIds.length > 0) {
      throw new ApiError({
        code: 'CUSTOMER_NOT_IN_POOL',
        message: 'The customer is no longer in the pool; someone else has it',
        details: { customerIds: takenIds },
      });
    }
  }

  const toChange = requested.filter((c) => c.owner_id !== assignee.id);
  const unchangedIds = requested.filter((c) => c.owner_id === assignee.id).map((c) => c.id);
  if (toChange.length === 0) {
    return {
      customers: requested.map(toCustomerView),
      changedIds: [],
      unchangedIds,
      notifications: [],
      message: `Already owned by ${assignee.name}; nothing changed`,
    };
  }
  if (command.enforcePoolRules) {
    await checkPoolRules(trx, poolRulesFrom(ctx.config), { userId: assignee.id, customerIds: toChange.map((c) => c.id), nowMs });
  }

  const changed: CustomerRow[] = [];
  for (const customer of toChange) {
    const result = await trx
      .updateTable('customers')
      .set({ owner_id: assignee.id, assigned_at: now, version: customer.version + 1, updated_at: now })
      .where('id', '=', customer.id)
      .where('version', '=', customer.version)
      .executeTakeFirst();
    if (result.numUpdatedRows === 0n) {
      throw new ApiError({
        code: command.fromPoolOnly ? 'CUSTOMER_NOT_IN_POOL' : 'VERSION_CONFLICT',
        message: command.fromPoolOnly
          ? 'Someone else claimed the customer a moment ago'
          : 'The customer changed while it was being assigned; try again',
        details: { customerId: customer.id },
      });
    }
    changed.push({ ...customer, owner_id: assignee.id, assigned_at: now, version: customer.version + 1, updated_at: now });
  }

  const history = toChange.map((customer) => ({
    id: randomUUID(),
    customer_id: customer.id,
    from_owner_id: customer.owner_id,
    to_owner_id: assignee.id,
    actor_id: command.actor.id,
    channel: command.channel,
    note: command.note ?? null,
    created_at: now,
    customer_version: customer.version + 1,
  }));
  for (const part of chunk(history, 100)) await trx.insertInto('assignments').values(part).execute();

  const notification = await queueAssignmentNotification(trx, {
    assigneeId: assignee.id,
    actor: command.actor,
    channel: command.channel,
    note: command.note ?? null,
    customers: changed,
    now,
    dueAt: new Date(nowMs + ctx.config.NOTIFY_DIGEST_SECONDS * 1000).toISOString(),
  });

  const changedById = new Map(changed.map((c) => [c.id, c]));
  return {
    customers: requested.map((c) => toCustomerView(changedById.get(c.id) ?? c)),
    changedIds: changed.map((c) => c.id),
    unchangedIds,
    notifications: [notification],
    message:
      unchangedIds.length === 0
        ? `Assigned ${changed.length} customer(s) to ${assignee.name}`
        : `Assigned ${changed.length} customer(s) to ${assignee.name}; ${unchangedIds.length} already theirs`,
  };
}

async function loadCustomers(trx: Trx, ids: string[], lockRows: boolean): Promise<Map<string, CustomerRow>> {
  const found = new Map<string, CustomerRow>();
  // Sorted so concurrent batches lock rows in the same order and cannot deadlock.
  for (const part of chunk([...ids].sort(), 500)) {
    let query = trx.selectFrom('customers').selectAll().where('id', 'in', part).orderBy('id');
    if (lockRows) query = query.forUpdate();
    for (const row of await query.execute()) found.set(row.id, row);
  }
  return found;
}
