import { randomUUID } from 'node:crypto';
import { startOfBeijingDay } from '@leadnotify/contracts';
import type { AppContext } from '../../context.js';
import { insertHistory, loadCustomersForChange, readPoolFacts, updateCustomerIfVersion } from '../../db/customers-store.js';
import { queueAssignmentNotification, type QueuedNotification } from '../../delivery/outbox/enqueue.js';
import { findUserWithReachability, type ReachabilityRow } from '../../db/reachability-store.js';
import type { AssignedVia } from '@leadnotify/contracts';
import type { CustomerRow } from '../../db/schema.js';
import { transactionWithRetry, type Trx } from '../../db/transaction.js';
import type { Actor } from '../actor.js';
import { canSee, toCustomerView, type CustomerView } from '../customers.js';
import { DomainError } from '../errors.js';
import { checkPoolRules, poolRulesFrom } from '../pool-rules.js';
import { configuredChannels, factsOf, judgeReachability, type DeliveryChannel, type Expectation } from '../reachability.js';

export interface AssignCommand {
  actor: Actor;
  customerIds: string[];
  assigneeId: string;
  via: AssignedVia;
  note?: string | undefined;
  /** Only customers in the pool may be taken (the pool operation). */
  fromPoolOnly: boolean;
  /** A sales user claiming for themselves: the pool rules apply. */
  enforcePoolRules: boolean;
}

export interface AssignOutcome {
  /** Every requested customer after the commit, in request order. */
  customers: CustomerView[];
  changedIds: string[];
  /** Already owned by the assignee: nothing was written for them. */
  unchangedIds: string[];
  notifications: Array<QueuedNotification & { expected: Expectation; expectedChannel: DeliveryChannel | null }>;
  message: string;
}

/**
 * The one transaction behind all four assignment operations: ownership, history and the outbox row
 * commit together. Delivery is signalled only after the commit and never awaited.
 */
export async function assignCustomers(ctx: AppContext, command: AssignCommand): Promise<AssignOutcome> {
  const customerIds = [...new Set(command.customerIds)];
  // A deadlock or serialization failure PostgreSQL resolves by aborting us is retried (a few times, nothing else is).
  const committed = await transactionWithRetry(ctx.db.kysely, (trx) => assignInTransaction(ctx, trx, { ...command, customerIds }));
  ctx.metrics?.countAssignments(command.via, committed.changedIds.length);
  for (const { expected } of committed.notifications) {
    if (expected.startsWith('unreachable')) ctx.metrics?.countUnreachableAssignee(expected.slice('unreachable: '.length));
  }
  if (committed.notifications.length > 0) ctx.wakeNotifier();
  return committed;
}

async function assignInTransaction(ctx: AppContext, trx: Trx, command: AssignCommand): Promise<AssignOutcome> {
  const nowMs = ctx.clock.now();
  const now = new Date(nowMs).toISOString();

  // Locking the claimer's row serialises their concurrent claims, so the pool limits hold. FOR NO KEY UPDATE, not
  // FOR UPDATE: it must not conflict with the FOR KEY SHARE that every foreign key to users (history, outbox)
  // takes, or a manager's assignment (customer row, then the user's key) and a self-claim (user row, then the
  // customer row) lock in opposite orders and deadlock.
  // What WeChat has told us about the assignee comes with their row: it never decides the assignment (which stands
  // whatever WeChat says), it only tells the caller whether to expect the message.
  const found = await findUserWithReachability(trx, command.assigneeId, { lock: command.enforcePoolRules ? 'noKeyUpdate' : undefined });
  if (!found) throw new DomainError({ code: 'USER_NOT_FOUND', message: `No user with id ${command.assigneeId}` });
  const assignee = found.user;
  if (assignee.active !== 1) {
    throw new DomainError({ code: 'ASSIGNEE_INACTIVE', message: `${assignee.name} is deactivated and cannot receive customers` });
  }
  if (assignee.role !== 'sales') {
    throw new DomainError({
      code: 'NOT_A_SALES_USER',
      message: `${assignee.name} is a ${assignee.role}; customers are assigned to sales users only`,
      details: { assigneeId: assignee.id, role: assignee.role },
    });
  }

  const customersById = await loadCustomersForChange(trx, command.customerIds);
  // A customer the actor may not see (a sales user claiming another's) is missing, word for word: a 409 would tell
  // them it exists. Managers see every customer, so they still learn it is taken (CUSTOMER_NOT_IN_POOL).
  const missingIds = command.customerIds.filter((id) => {
    const customer = customersById.get(id);
    return !customer || !canSee(command.actor, customer);
  });
  if (missingIds.length > 0) {
    throw new DomainError({
      code: 'CUSTOMER_NOT_FOUND',
      message: missingIds.length === 1 ? `No customer with id ${missingIds[0]}` : `${missingIds.length} customers do not exist`,
      details: { missingIds },
    });
  }
  const requested = command.customerIds.map((id) => customersById.get(id) as CustomerRow);
  if (command.fromPoolOnly) {
    const takenIds = requested.filter((c) => c.owner_id !== null && c.owner_id !== assignee.id).map((c) => c.id);
    if (takenIds.length > 0) {
      throw new DomainError({
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
    const customerIds = toChange.map((c) => c.id);
    const facts = await readPoolFacts(trx, { userId: assignee.id, customerIds, dayStart: new Date(startOfBeijingDay(nowMs)).toISOString() });
    checkPoolRules(poolRulesFrom(ctx.config), facts, { claimCount: customerIds.length, nowMs });
  }

  const changed: CustomerRow[] = [];
  for (const customer of toChange) {
    if (!(await updateCustomerIfVersion(trx, customer.id, customer.version, { owner_id: assignee.id, assigned_at: now }, now))) {
      throw new DomainError({
        code: command.fromPoolOnly ? 'CUSTOMER_NOT_IN_POOL' : 'VERSION_CONFLICT',
        message: command.fromPoolOnly
          ? 'Someone else claimed the customer a moment ago'
          : 'The customer changed while it was being assigned; try again',
        details: { customerId: customer.id },
      });
    }
    changed.push({ ...customer, owner_id: assignee.id, assigned_at: now, version: customer.version + 1, updated_at: now });
  }

  await insertHistory(
    trx,
    toChange.map((customer) => ({
      id: randomUUID(),
      customer_id: customer.id,
      from_owner_id: customer.owner_id,
      to_owner_id: assignee.id,
      actor_id: command.actor.id,
      via: command.via,
      note: command.note ?? null,
      created_at: now,
      customer_version: customer.version + 1,
    })),
  );

  // Whoever assigns to themselves (a salesperson claiming from the pool) knows already: a message would spend one of
  // their one-time acceptances on news they made, and the next lead someone else gives them would go unheard.
  const selfAssigned = command.actor.id === assignee.id;
  const notification = selfAssigned
    ? undefined
    : await queueAssignmentNotification(trx, {
        assigneeId: assignee.id,
        actorId: command.actor.id,
        via: command.via,
        note: command.note ?? null,
        customers: changed,
        now,
        dueAt: new Date(nowMs + ctx.config.NOTIFY_DIGEST_SECONDS * 1000).toISOString(),
      });

  const changedById = new Map(changed.map((c) => [c.id, c]));
  const assigned = selfAssigned ? `Claimed ${changed.length} customer(s) for yourself (no message: you made the change)` : `Assigned ${changed.length} customer(s) to ${assignee.name}`;
  return {
    customers: requested.map((c) => toCustomerView(changedById.get(c.id) ?? c)),
    changedIds: changed.map((c) => c.id),
    unchangedIds,
    notifications: notification ? [expectationOf(assignee.id, found.reachability, notification, configuredChannels(ctx.config))] : [],
    message: unchangedIds.length === 0 ? assigned : `${assigned}; ${unchangedIds.length} already theirs`,
  };
}

/** Whether the queued notification will reach its assignee, and on which channel, as far as the CRM has been told. */
function expectationOf(userId: string, row: ReachabilityRow, notification: QueuedNotification, channels: readonly DeliveryChannel[]) {
  const { expected, expectedChannel } = judgeReachability(userId, factsOf(row), channels);
  return { ...notification, expected, expectedChannel };
}
