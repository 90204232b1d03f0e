import { REASONS } from '@leadnotify/contracts';
import type { NotificationRow } from '../db/schema.js';
import { transitionContext, type DeliveryDeps } from './deps.js';
import { applyChanges, changeFor, type ChangeToApply } from './outbox/apply-change.js';
import { partOf, type SentBatch } from './send-batch.js';
import { transition, type Change, type Decision, type Message } from './states/transition.js';

/** A message's change as written, for the steps that follow a recorded batch. */
export interface Recorded {
  deliveryId: string;
  assigneeId: string;
  change: Change;
  /** The rows written (a row someone else changed meanwhile is not). */
  rowIds: string[];
  openid?: string | undefined;
  /** The customers a sent message named. */
  customerIds: string[];
}

/**
 * Records a sent batch: each answer goes through the state machine, and every change is written in one transaction,
 * only to rows this worker still holds (a worker whose lease ran out cannot overwrite whoever took over).
 */
export async function recordBatch(deps: DeliveryDeps, workerId: string, batch: SentBatch): Promise<Recorded[]> {
  const nowMs = deps.clock.now();
  const context = transitionContext(deps, nowMs);
  const items: Array<{ item: ChangeToApply; assigneeId: string; openid?: string | undefined; customerIds: string[] }> = [];
  const add = (message: Message, assigneeId: string, rows: readonly NotificationRow[], decision: Decision, extra: { openid?: string | undefined; customerIds?: string[] } = {}) => {
    if (!decision || !('change' in decision) || rows.length === 0) return;
    items.push({
      item: changeFor(rows, message.deliveryId, { status: message.status, heldBy: workerId }, decision.change),
      assigneeId,
      openid: extra.openid,
      customerIds: extra.customerIds ?? [],
    });
  };

  for (const result of batch.results) {
    const { message, assigneeId } = result.claimed;
    if (result.kind === 'sent') {
      add(message, assigneeId, result.rows, transition(partOf(message, result.rows), { type: 'answer', outcome: result.outcome }, context), {
        openid: result.outcome.openid,
        customerIds: result.customerIds,
      });
    } else if (result.kind === 'recalled') {
      const answer = { type: 'answer', outcome: result.outcome, recalledFor: result.reason } as const;
      add(message, assigneeId, result.notTheirs, transition(partOf(message, result.notTheirs), answer, context), { openid: result.outcome.openid });
      add(message, assigneeId, result.stillTheirs, transition(partOf(message, result.stillTheirs), { ...answer, stillTheirs: true }, context), { openid: result.outcome.openid });
    } else {
      add(message, assigneeId, result.rows, { change: result.change });
    }
  }

  const now = new Date(nowMs).toISOString();
  const applied = await deps.db.kysely
    .transaction()
    .execute((trx) => applyChanges(trx, items.map(({ item }) => item), { now, attemptStartedAt: new Date(batch.startedAtMs).toISOString() }));
  const recorded = applied.map(({ item, written }, index): Recorded => {
    const { assigneeId, openid, customerIds } = items[index]!;
    return { deliveryId: item.deliveryId, assigneeId, change: item.change, rowIds: written, openid, customerIds };
  });
  for (const entry of recorded) report(deps, entry);
  return recorded;
}

/** Metrics for every row written; a log line per message, loud where someone has to act. */
function report(deps: DeliveryDeps, entry: Recorded): void {
  const { change } = entry;
  const reason = change.reason ?? 'UNKNOWN';
  for (let index = 0; index < entry.rowIds.length; index++) deps.metrics?.countNotification(change.status, reason);
  if (entry.rowIds.length === 0) return;
  const fields = { deliveryId: entry.deliveryId, notifications: entry.rowIds.length, status: change.status, reason };
  if (change.status === 'failed') {
    // Stays failed until someone acts: say what to do where operators look.
    deps.logger.error({ ...fields, message: change.lastError, fix: change.reason ? REASONS[change.reason].fix : undefined }, 'notification failed for good');
  } else if (change.status === 'unconfirmed') {
    deps.logger.warn({ ...fields, message: change.lastError, fix: change.reason ? REASONS[change.reason].fix : undefined }, 'notification may or may not have reached the salesperson');
  } else if (change.status === 'dead') {
    deps.logger.error({ ...fields, message: change.lastError }, 'notification gave up after its attempt budget');
  } else {
    deps.logger.info(fields, 'notification delivery finished');
  }
}
