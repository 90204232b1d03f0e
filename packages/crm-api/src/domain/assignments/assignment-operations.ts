import type { AppContext } from '../../context.js';
import { canManageAssignments, requireRole, type Actor } from '../actor.js';
import type { CustomerView } from '../customers.js';
import { DomainError } from '../errors.js';
import { assignCustomers, type AssignOutcome } from './assign-customers.js';

export interface SingleAssignment {
  customer: CustomerView;
  /** false when the assignee already owned the customer: nothing was written. */
  changed: boolean;
  notification: AssignOutcome['notifications'][number] | null;
  message: string;
}

function single(outcome: AssignOutcome): SingleAssignment {
  return {
    customer: outcome.customers[0] as CustomerView,
    changed: outcome.changedIds.length > 0,
    notification: outcome.notifications[0] ?? null,
    message: outcome.message,
  };
}

export interface AssignInput {
  customerId: string;
  assigneeId: string;
  note?: string | undefined;
}

/** A manager assigns one customer; `via` records from where. */
async function assignOne(ctx: AppContext, actor: Actor, input: AssignInput, via: 'web' | 'miniprogram'): Promise<SingleAssignment> {
  requireRole(actor, ['admin', 'manager'], 'assign customers');
  return single(await assignCustomers(ctx, { actor, ...input, customerIds: [input.customerId], via, fromPoolOnly: false, enforcePoolRules: false }));
}

/** 1. A manager assigns one customer from the CRM web client. */
export function assignCustomer(ctx: AppContext, actor: Actor, input: AssignInput): Promise<SingleAssignment> {
  return assignOne(ctx, actor, input, 'web');
}

/** 2. The same from the mini program; only `via` (and the response envelope) differ. */
export function assignCustomerForMiniprogram(ctx: AppContext, actor: Actor, input: AssignInput): Promise<SingleAssignment> {
  return assignOne(ctx, actor, input, 'miniprogram');
}

/** 3. Many customers to one assignee, all or nothing. */
export async function batchAssignCustomers(
  ctx: AppContext,
  actor: Actor,
  input: { customerIds: string[]; assigneeId: string; note?: string | undefined },
): Promise<AssignOutcome> {
  requireRole(actor, ['admin', 'manager'], 'assign customers');
  const limit = ctx.config.BATCH_ASSIGN_MAX;
  const distinct = new Set(input.customerIds).size;
  if (distinct > limit) {
    throw new DomainError({
      code: 'BATCH_TOO_LARGE',
      message: `A batch may assign at most ${limit} customers; this one has ${distinct}. Split it.`,
      details: { limit, received: distinct },
    });
  }
  return assignCustomers(ctx, { actor, ...input, via: 'batch', fromPoolOnly: false, enforcePoolRules: false });
}

/**
 * 4. Take a customer from the pool. A sales user claims for themselves within the pool rules; a manager
 * may hand a pool customer to anyone.
 */
export async function assignFromPool(
  ctx: AppContext,
  actor: Actor,
  input: { customerId: string; assigneeId?: string | undefined; note?: string | undefined },
): Promise<SingleAssignment> {
  const manager = canManageAssignments(actor);
  // Only a sales user claims for themselves; a manager without an assignee would be "assigning to a manager" (422),
  // which hides that they simply left the field out.
  if (manager && input.assigneeId === undefined) {
    throw new DomainError({
      code: 'VALIDATION_FAILED',
      message: 'Name the sales user who gets the customer: {"assigneeId": "<user id>"} (only a sales user claims without one)',
      details: [{ path: 'body.assigneeId', message: 'required when a manager or admin assigns from the pool', code: 'invalid_type' }],
    });
  }
  const assigneeId = input.assigneeId ?? actor.id;
  if (!manager && assigneeId !== actor.id) {
    throw new DomainError({ code: 'FORBIDDEN', message: 'Sales users may claim pool customers only for themselves' });
  }
  return single(
    await assignCustomers(ctx, {
      actor,
      customerIds: [input.customerId],
      assigneeId,
      note: input.note,
      via: 'pool',
      fromPoolOnly: true,
      enforcePoolRules: !manager,
    }),
  );
}
