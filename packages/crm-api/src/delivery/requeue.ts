import type { NotificationRow } from '../db/schema.js';
import { locksRows, type Trx } from '../db/transaction.js';
import { transitionContext, type DeliveryDeps } from './deps.js';
import { applyChanges, changeFor } from './outbox/apply-change.js';
import { messagesOf, readMessagesOfRows, readSkippedRows } from './outbox/read.js';
import { RETRYABLE_BY_OPERATOR } from './states/statuses.js';
import { transition } from './states/transition.js';

/**
 * An operator sends finished notifications again, each with the rest of the message it went out in (a digest goes out
 * again whole), with a fresh attempt budget: the given rows, or every skipped row of one salesperson. On PostgreSQL the
 * rows are locked as they are read, so a receipt or a worker changing one meanwhile is waited for and seen. Returns
 * the ids requeued.
 */
export async function retryByOperator(deps: Pick<DeliveryDeps, 'db' | 'config' | 'clock' | 'wake' | 'random' | 'newDeliveryId'>, target: { ids: readonly string[] } | { skippedOf: string }): Promise<string[]> {
  const nowMs = deps.clock.now();
  const context = transitionContext(deps, nowMs);
  const requeued = await deps.db.kysely.transaction().execute(async (trx) => {
    const rows = await rowsToRetry(trx, target);
    const items = messagesOf(rows).flatMap(({ rowsOf, assigneeId: _assignee, ...message }) => {
      const decision = transition(message, { type: 'operator-retry' }, context);
      if (!decision || !('change' in decision)) return [];
      return [changeFor(rowsOf, message.deliveryId, { status: message.status }, decision.change)];
    });
    const applied = await applyChanges(trx, items, { now: new Date(nowMs).toISOString() });
    return applied.flatMap(({ written }) => written);
  });
  if (requeued.length > 0) deps.wake();
  return requeued;
}

async function rowsToRetry(trx: Trx, target: { ids: readonly string[] } | { skippedOf: string }): Promise<NotificationRow[]> {
  const rows = 'ids' in target ? await readMessagesOfRows(trx, target.ids, RETRYABLE_BY_OPERATOR) : await readSkippedRows(trx, target.skippedOf, { since: '' });
  if (!locksRows(trx) || rows.length === 0) return rows;
  // Locked, then read again: what a receipt or a worker committed meanwhile is what the decision sees.
  await trx.selectFrom('notifications').select('id').where('id', 'in', rows.map((row) => row.id)).forUpdate().execute();
  return 'ids' in target ? readMessagesOfRows(trx, target.ids, RETRYABLE_BY_OPERATOR) : readSkippedRows(trx, target.skippedOf, { since: '' });
}
